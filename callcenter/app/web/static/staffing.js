// The wallboard's staffing panel: seats needed vs rostered vs logged in per hour until the end
// of tomorrow, the gaps ahead, and a suggestion to open surge seats when calls run above forecast.
"use strict";

(() => {
  const { t, api, el } = CC;
  let outlook = null;

  function dayLabel(day) {
    return outlook && day === outlook.hours[0]?.day ? t("staffing.today") : t("staffing.tomorrow");
  }

  function gapText(gap) {
    if (CC.lang === "en") return `${dayLabel(gap.day)} ${gap.text}`;
    return `${dayLabel(gap.day)} ${gap.from}–${gap.to}：需要 ${gap.needed} 人，排班 ${gap.rostered} 人`;
  }

  function render() {
    if (!outlook) return;
    const advice = document.getElementById("surge-advice");
    advice.hidden = !outlook.surge;
    advice.textContent = outlook.surge ? outlook.surge.text : "";
    const gaps = document.getElementById("staffing-gaps");
    if (outlook.gaps.length) {
      gaps.replaceChildren(...outlook.gaps.map((gap) =>
        el("li", { class: "gap", dataset: { day: gap.day, from: gap.from }, text: gapText(gap) })));
    } else {
      const note = outlook.rota_published ? t("staffing.no_gaps") : t("staffing.no_rota");
      gaps.replaceChildren(el("li", { class: "muted", text: note }));
    }
    const show = (value) => (value === null || value === undefined ? t("none") : String(value));
    document.getElementById("staffing-hours").replaceChildren(...outlook.hours.map((hour) =>
      el("tr", { class: hour.short ? "short" : "", dataset: { day: hour.day, time: hour.time } },
        el("td", { text: `${dayLabel(hour.day)} ${hour.time}` }),
        el("td", { class: "num needed", text: show(hour.needed) }),
        el("td", { class: "num rostered", text: show(hour.rostered) }),
        el("td", { class: "num logged-in", text: show(hour.logged_in) }))));
  }

  async function load() {
    try {
      outlook = await api("GET", "/api/staffing/outlook");
      render();
    } catch (error) {
      console.warn("staffing outlook unavailable", error);
    }
  }

  CC.onLanguage(render);
  load();
  setInterval(load, 60000);
  window.WallboardStaffing = { load };
})();
