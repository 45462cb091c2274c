// The desk's availability panel: the counsellor states which shifts they can work each week,
// and their weekly limits; the rota is built from it.
"use strict";

(() => {
  const { t, api, el, toast } = CC;
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const SHIFTS = ["night", "day", "evening"];
  const $ = (id) => document.getElementById(id);
  // The counsellor who signed in: their own availability, nobody else's.
  const agentId = () => (CC.json("config").me || {}).agent;

  function renderGrid(chosen = new Set()) {
    $("availability-days").replaceChildren(el("th"), ...DAYS.map((d) => el("th", { text: t(`weekday.${d}`) })));
    $("availability-grid").replaceChildren(...SHIFTS.map((shift) => el("tr", {},
      el("th", { text: t(`shift.${shift}`) }),
      ...DAYS.map((day) => el("td", {}, el("input", {
        type: "checkbox", id: `avail-${day}-${shift}`, dataset: { entry: `${day}:${shift}` },
        "aria-label": `${t(`weekday.${day}`)} ${t(`shift.${shift}`)}`,
        checked: chosen.has(`${day}:${shift}`),
      }))))));
  }

  // Until the stated availability has arrived the form takes no input: a box ticked before
  // it arrives would be wiped by it, and a save would overwrite the stated week with it.
  function enable(ready) {
    const fields = [...document.querySelectorAll("#availability-grid input"),
      $("max-hours"), $("max-nights"), $("save-availability")];
    for (const field of fields) field.disabled = !ready;
  }

  function chosen() {
    return [...document.querySelectorAll("#availability-grid input:checked")].map((box) => box.dataset.entry);
  }

  async function load() {
    if (!agentId()) return;
    try {
      const stated = await api("GET", `/api/staffing/availability/${encodeURIComponent(agentId())}`);
      renderGrid(new Set(stated.shifts));
      $("max-hours").value = stated.max_hours_week;
      $("max-nights").value = stated.max_nights_week;
      $("crisis-badge").hidden = !stated.crisis_qualified;
    } catch (error) {
      // Left disabled: saving a week the page could not read would overwrite it.
      toast(`${t("error")}: ${error.message}`, "error");
      return;
    }
    enable(true);
  }

  async function save() {
    const body = {
      shifts: chosen(),
      max_hours_week: Number($("max-hours").value),
      max_nights_week: Number($("max-nights").value),
    };
    try {
      await api("PUT", `/api/staffing/availability/${encodeURIComponent(agentId())}`, body);
      toast(t("availability.saved"), "ok");
    } catch (error) {
      toast(`${t("error")}: ${error.message}`, "error");
    }
  }

  CC.onLanguage(() => {
    const ready = !$("save-availability").disabled;
    renderGrid(new Set(chosen()));
    enable(ready);
  });
  $("save-availability").addEventListener("click", save);
  renderGrid();
  enable(false);
  load();
})();
