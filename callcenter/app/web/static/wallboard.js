// The supervisor wallboard: seats, queue, today's KPIs, alerts, surge and seat actions.
"use strict";

(() => {
  const { t, api, el, duration, toast } = CC;
  const board = { seats: [], waiting: [], queueAt: 0, surge: null, kpis: null, fallback: [] };
  const { normal_seats: NORMAL_SEATS } = CC.json("config");

  // -- live messages ----------------------------------------------------------------------
  function onMessage(message) {
    switch (message.kind) {
      case "snapshot":
        CC.syncClock(message.seats && message.seats.at);
        board.seats = (message.seats && message.seats.seats) || [];
        board.waiting = (message.queue && message.queue.waiting) || [];
        board.queueAt = CC.serverNow();
        renderSeats();
        renderQueue();
        break;
      case "SurgeChanged":
        board.surge = message.on;
        renderSurge();
        break;
      case "CrisisAlert":
        WallboardAlerts.push("crisis", message.message, message.caller);
        WallboardAlerts.beep();
        reloadAlertsSoon();
        break;
      case "EscalationChanged": case "ReferralOverdue":
        reloadAlertsSoon();
        break;
      case "AgentAlert":
        WallboardAlerts.push("agent", message.message, message.seat);
        break;
      case "WorkOrderCreated":
        loadFallbackSoon();
        break;
      case "CallEnded": case "CallConnected": case "CallMissed": case "CallArrived":
      case "CallbackCreated": case "CallbackAttemptEnded": case "CallbackExhausted":
        refreshKpisSoon();
        break;
      default:
        break;
    }
  }

  function onStatus(up) {
    const node = document.getElementById("live-status");
    node.dataset.i18n = up ? "live.connected" : "live.offline";
    node.textContent = t(node.dataset.i18n);
    node.className = `live ${up ? "on" : "off"}`;
    if (up) refreshKpisSoon();
  }

  // -- seats --------------------------------------------------------------------------------
  function renderSeats() {
    const grid = document.getElementById("seats");
    const now = CC.serverNow();
    grid.replaceChildren(...board.seats.map((seat) => seatCard(seat, now)));
    renderSurge();
  }

  function seatCard(seat, now) {
    const state = seat.open || seat.agent ? seat.state : "closed";
    const stateLabel = state === "closed" ? t("seat.closed") : t(`seat.state.${seat.state}`, seat.state);
    const actions = seat.agent ? el("div", { class: "actions" },
      el("button", { type: "button", onclick: () => forcePause(seat), text: t("seat.force_pause") }),
      el("button", { type: "button", onclick: () => forceLogout(seat), text: t("seat.force_logout") }),
      seat.state === "on_call"
        ? el("button", { type: "button", onclick: () => listen(seat), text: t("seat.listen") }) : null,
    ) : null;
    return el("article", {
      class: `seat state-${state}${seat.callback ? " callback" : ""}${seat.reachable ? "" : " unreachable"}`,
      dataset: { seat: seat.seat, state },
      "aria-label": `${seat.seat} ${stateLabel}`,
    },
      el("header", {}, el("strong", { text: seat.seat }),
        el("span", { class: "state", text: stateLabel })),
      el("div", { class: "agent", text: seat.agent_name || seat.agent || t("seat.no_agent") }),
      el("div", { class: "since", dataset: { since: seat.since },
        text: seat.agent ? duration(now - seat.since) : "" }),
      seat.pause_reason ? el("div", { class: "reason", text: t(`pause.${seat.pause_reason}`, seat.pause_reason) }) : null,
      seat.callback ? el("div", { class: "muted", text: t("seat.callback") }) : null,
      actions,
    );
  }

  async function act(promise, done) {
    try {
      await promise;
      if (done) toast(done, "ok");
    } catch (error) {
      toast(`${t("error")}: ${error.message}`, "error");
    }
  }

  function forcePause(seat) {
    const reason = prompt(t("seat.force_pause"), "debrief");
    if (!reason) return;
    act(api("POST", "/api/supervisor/force-pause", { agent: seat.agent, reason }));
  }

  function forceLogout(seat) {
    if (!confirm(`${t("seat.force_logout")} ${seat.agent_name || seat.agent} (${seat.seat})?`)) return;
    act(api("POST", "/api/supervisor/force-logout", { agent: seat.agent }));
  }

  function listen(seat) {
    const phone = document.getElementById("supervisor-phone").value.trim();
    if (!phone) {
      document.getElementById("supervisor-phone").focus();
      toast(t("supervisor.phone"), "error");
      return;
    }
    localStorage.setItem("cc.supervisor_phone", phone);
    const whisper = document.getElementById("whisper").checked;
    act(api("POST", "/api/supervisor/listen", { seat: seat.seat, supervisor_phone: phone, whisper }),
      `${t("seat.listen")} ${seat.seat}`);
  }

  // -- surge --------------------------------------------------------------------------------
  function renderSurge() {
    const open = board.seats.filter((s) => s.open && !s.callback).length;
    const on = board.surge ?? open > NORMAL_SEATS;
    const badge = document.getElementById("surge-state");
    badge.textContent = on ? t("surge.active") : "—";
    badge.className = `badge ${on ? "warn" : ""}`;
    const total = board.seats.filter((s) => !s.callback).length;
    document.getElementById("open-seats").textContent = `${open} / ${total}`;
    document.getElementById("open-seats").title = t("seats.open");
  }

  function setSurge(on) {
    const reason = document.getElementById("surge-reason").value.trim();
    act(api("POST", "/api/surge", { on, reason }).then(() => { board.surge = on; renderSurge(); }));
  }

  // -- queue --------------------------------------------------------------------------------
  function renderQueue() {
    const body = document.getElementById("queue");
    const elapsed = CC.serverNow() - board.queueAt;
    document.getElementById("queue-count").textContent = String(board.waiting.length);
    if (!board.waiting.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "muted", text: t("queue.empty") })));
      return;
    }
    body.replaceChildren(...board.waiting.map((entry) => el("tr", {
      class: entry.priority ? "priority" : "", dataset: { call: entry.call_id },
    },
      el("td", { text: entry.position ?? (entry.ringing_at ? `→${entry.ringing_at}` : "") }),
      el("td", { class: "number", text: entry.number }),
      el("td", { class: "wait", dataset: { waited: entry.waited }, text: duration(entry.waited + elapsed) }),
      el("td", { text: entry.priority ? t(`priority.${entry.priority}`, entry.priority) : "" }),
      el("td", { text: t(`skill.${entry.skill}`, entry.skill) }),
      el("td", { class: "why", text: entry.explanation }),
    )));
  }

  let alertsTimer = null;
  function reloadAlertsSoon() {
    if (alertsTimer) return;
    alertsTimer = setTimeout(() => { alertsTimer = null; WallboardAlerts.reload(); }, 500);
  }

  // -- KPIs ---------------------------------------------------------------------------------
  let kpiTimer = null;
  function refreshKpisSoon() {
    if (kpiTimer) return;
    kpiTimer = setTimeout(() => { kpiTimer = null; loadKpis(); }, 1500);
  }

  async function loadKpis() {
    try {
      board.kpis = await WallboardKpis.today();
      renderKpis();
    } catch (error) {
      console.warn("KPIs unavailable", error);
    }
  }

  function renderKpis() {
    const k = board.kpis;
    if (!k) return;
    const pct = (v) => (v === null || v === undefined ? t("none") : `${Math.round(v * 100)}%`);
    const items = [
      ["offered", k.offered], ["answered", k.answered], ["abandoned", k.abandoned],
      ["answer_rate", pct(k.answer_rate)], ["service_level", pct(k.service_level)],
      ["average_wait", k.average_wait === null ? t("none") : duration(k.average_wait)],
    ];
    if (k.callbacks_pending !== null) {
      items.push(["callbacks_pending", k.callbacks_pending], ["callbacks_done", k.callbacks_done]);
    }
    document.getElementById("kpi-day").textContent = k.day;
    document.getElementById("kpis").replaceChildren(...items.map(([key, value]) =>
      el("div", { class: "kpi", dataset: { kpi: key } },
        el("dt", { text: t(`kpi.${key}`) }), el("dd", { text: value }))));
  }

  // -- fail-safe fallback periods (Asterisk's own queue took the callers) ------------------
  // Shown for a day after a period ended: the duty supervisor should know calls bypassed
  // the ACD (no routing explanations, wrap-up from the queue) and were imported later.
  const FALLBACK_SHOWN_SECONDS = 24 * 3600;

  async function loadFallback() {
    try {
      board.fallback = await api("GET", "/api/fallback/periods");
    } catch (_) {
      return;  // the banner is a notice: a failed fetch leaves the last one
    }
    renderFallback();
  }

  let fallbackTimer = null;
  function loadFallbackSoon() {
    if (fallbackTimer) return;
    fallbackTimer = setTimeout(() => { fallbackTimer = null; loadFallback(); }, 1500);
  }

  function renderFallback() {
    const banner = document.getElementById("fallback-banner");
    const recent = (board.fallback || []).filter(
      (period) => CC.serverNow() - Date.parse(period.ended_at) / 1000 < FALLBACK_SHOWN_SECONDS);
    banner.hidden = recent.length === 0;
    if (!recent.length) return;
    document.getElementById("fallback-text").textContent = recent.map((period) =>
      `${CC.dateTime(period.started_at)} – ${CC.time(period.ended_at)} ${CC.zoneLabel()}` +
      ` (${duration(period.seconds)}): ${period.calls} ${t("fallback.calls")},` +
      ` ${period.answered} ${t("fallback.answered")}, ${period.abandoned} ${t("fallback.abandoned")}`,
    ).join(" · ");
  }

  // -- ticking clocks -----------------------------------------------------------------------
  function tick() {
    const now = CC.serverNow();
    document.getElementById("clock").textContent = `${CC.time(Date.now())} ${CC.zoneLabel()}`;
    document.querySelectorAll(".seat .since[data-since]").forEach((node) => {
      if (node.textContent) node.textContent = duration(now - Number(node.dataset.since));
    });
    const elapsed = now - board.queueAt;
    document.querySelectorAll("#queue .wait").forEach((node) => {
      node.textContent = duration(Number(node.dataset.waited) + elapsed);
    });
  }

  CC.init();
  CC.onLanguage(() => {
    renderSeats(); renderQueue(); renderKpis(); renderFallback(); WallboardAlerts.render();
  });
  document.getElementById("surge-on").addEventListener("click", () => setSurge(true));
  document.getElementById("surge-off").addEventListener("click", () => setSurge(false));
  document.getElementById("sound-toggle").addEventListener("click", WallboardAlerts.enableSound);
  document.getElementById("supervisor-phone").value = localStorage.getItem("cc.supervisor_phone") || "";
  WallboardAlerts.render();
  WallboardAlerts.reload();
  loadKpis();
  tick();
  setInterval(tick, 1000);
  setInterval(loadKpis, 30000);
  loadFallback();
  setInterval(loadFallback, 30000);
  setInterval(WallboardAlerts.reload, 30000);
  CC.connect(onMessage, onStatus);
})();
