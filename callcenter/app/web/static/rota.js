// The rota page: a supervisor solves a draft rota from the forecast and everyone's
// availability, reads its gaps and night spread, and publishes it.
"use strict";

(() => {
  const { t, api, el, toast } = CC;
  const $ = (id) => document.getElementById(id);
  const config = CC.json("config");
  let rota = null;

  function status(text, kind = "") {
    $("rota-status").className = `rota-status ${kind}`;
    $("rota-status").replaceChildren(...(Array.isArray(text) ? text : [text]));
  }

  function render() {
    $("publish").disabled = !rota || rota.status !== "draft";
    if (!rota) return;
    $("rota-state").textContent = rota.status === "draft" ? t("rota.draft") : rota.status;
    $("rota-state").dataset.status = rota.status;
    const summary = rota.summary || {};
    const facts = [
      [t("rota.open"), summary.open_seat_half_hours],
      [t("rota.nights"), (summary.nights_spread || []).join("–")],
    ];
    $("rota-summary").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
    $("rota-shifts").replaceChildren(...rota.shifts.map((s) => el("tr", {
      class: s.open_seat_half_hours ? "short" : "", dataset: { day: s.day, shift: s.shift },
    },
      el("td", { text: `${s.day} ${t(`shift.${s.shift}`)}` }),
      el("td", { class: "num", text: s.needed }),
      el("td", { class: "num", text: s.rostered }),
      el("td", { class: "num", text: s.open_seat_half_hours }),
      el("td", { text: s.agents.map((a) => a.name).join("、") }))));
  }

  function explain(error) {
    const detail = error.payload?.detail;
    if (error.status === 501) {
      return [t("rota.disabled"), " ", el("code", { class: "hint", text: error.payload.enable })];
    }
    return detail?.reason ?? error.message;
  }

  async function call(method, path, body) {
    const headers = { "X-CSRF-Token": CC.csrf() }; // the session's anti-forgery token
    if (body) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const payload = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error(payload?.detail?.reason ?? payload?.detail ?? `HTTP ${response.status}`);
      Object.assign(error, { status: response.status, payload });
      throw error;
    }
    return payload;
  }

  async function generate() {
    status(t("rota.generating"));
    $("generate").disabled = true;
    try {
      rota = await call("POST", "/api/staffing/rotas", { first_day: $("first-day").value, days: Number($("days").value) });
      status("");
      render();
    } catch (error) {
      status(explain(error), "error");
    } finally {
      $("generate").disabled = false;
    }
  }

  async function publish() {
    try {
      rota = await call("POST", `/api/staffing/rotas/${rota.id}/publish`);
      toast(t("rota.published"), "ok");
      render();
    } catch (error) {
      status(explain(error), "error");
    }
  }

  async function checkSolver() {
    const state = await api("GET", "/api/staffing/status").catch(() => null);
    if (state && !state.rota_solver) {
      $("generate").disabled = true;
      status([t("rota.disabled"), " ", el("code", { class: "hint", text: state.enable })], "error");
    }
  }

  CC.init();
  CC.onLanguage(render);
  $("first-day").value = config.tomorrow;
  $("generate").addEventListener("click", generate);
  $("publish").addEventListener("click", publish);
  checkSolver();
})();
