// The agent desk: log in to a seat, pause/resume, the screen pop, the work order, referral, crisis,
// and the live risk suggestion under the summary (suggestion.js).
"use strict";

(() => {
  const { t, api, el, duration, toast } = CC;
  const ACTIVE = new Set(["ringing", "on_call", "wrap_up"]);
  const desk = { seats: [], call: null, order: null };
  const $ = (id) => document.getElementById(id);
  // The counsellor is whoever signed in: the server acts for them and nobody else.
  const config = CC.json("config");
  const me = config.me || {};
  const agentId = () => me.agent;
  const mySeat = () => desk.seats.find((s) => s.agent && s.agent === agentId()) || null;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function run(promise, done) {
    try {
      const result = await promise;
      if (done) toast(done, "ok");
      return result;
    } catch (error) {
      toast(`${t("error")}: ${error.message}`, "error");
      return undefined;
    }
  }

  // -- live -------------------------------------------------------------------------------
  function onMessage(message) {
    if (message.kind === "snapshot") {
      CC.syncClock(message.seats && message.seats.at);
      desk.seats = (message.seats && message.seats.seats) || [];
      renderSeat();
      const seat = mySeat();
      if (seat && seat.call_id && ACTIVE.has(seat.state) && seat.call_id !== desk.call) {
        popCall(seat.call_id);
      }
    } else if (message.kind === "SeatRinging") {
      const seat = mySeat();
      if (seat && seat.seat === message.seat && message.call_id !== desk.call) popCall(message.call_id);
    } else if (message.kind === "CallbackStarted") {
      // The callback seat rings first: show the missed caller's order before they answer.
      const seat = mySeat();
      if (seat && seat.seat === message.seat && message.work_order_id) {
        popOrder(message.call_id, message.work_order_id);
      }
    }
  }

  function onStatus(up) {
    const node = $("live-status");
    node.dataset.i18n = up ? "live.connected" : "live.offline";
    node.textContent = t(node.dataset.i18n);
    node.className = `live ${up ? "on" : "off"}`;
  }

  // -- seat and state -----------------------------------------------------------------------
  function renderSeat() {
    const seat = mySeat();
    const pill = $("my-state");
    const state = seat ? seat.state : "offline";
    pill.dataset.state = state;
    pill.textContent = seat ? `${seat.seat} · ${t(`seat.state.${state}`, state)}` : t("desk.not_logged_in");
    $("my-since").dataset.since = seat ? seat.since : "";
    $("my-since").textContent = seat ? duration(CC.serverNow() - seat.since) : "";
    const reason = seat && (seat.pause_reason || seat.pending_pause);
    $("my-reason").textContent = reason ? t(`pause.${reason}`, reason) : "";
    $("login").disabled = Boolean(seat);
    $("seat").disabled = Boolean(seat);
    $("logout").disabled = !seat;
    $("pause").disabled = !seat || state === "paused";
    $("resume").disabled = !seat || state !== "paused";
    renderSeatChoices(seat);
  }

  function renderSeatChoices(seat) {
    const select = $("seat");
    const free = desk.seats.filter((s) => s.open && (!s.agent || s === seat));
    const current = seat ? seat.seat : select.value || localStorage.getItem("cc.seat") || config.default_seat;
    const wanted = free.map((s) => s.seat).join(",");
    if (select.dataset.options !== wanted) {
      select.dataset.options = wanted;
      select.replaceChildren(...free.map((s) => el("option", { value: s.seat,
        text: s.callback ? `${s.seat} (${t("seat.callback")})` : s.seat })));
    }
    if (current && free.some((s) => s.seat === current)) select.value = current;
  }

  function showAgent() {
    $("agent").textContent = `${me.agent || ""} ${me.name || ""}`;
    renderSeat();
  }

  const post = (path, body) => run(api("POST", path, body));

  function login() {
    localStorage.setItem("cc.seat", $("seat").value);
    post("/api/agents/login", { seat: $("seat").value });
  }

  // -- screen pop -------------------------------------------------------------------------
  async function popCall(callId) {
    desk.call = callId;
    let found = null;
    for (let attempt = 0; attempt < 20 && desk.call === callId; attempt += 1) {
      try {
        found = await api("GET", `/api/desk/calls/${encodeURIComponent(callId)}/order`);
        break;
      } catch (error) {
        if (error.status !== 404) break;
        await sleep(250); // the order is written beside the call path; give it a moment
      }
    }
    if (!found || desk.call !== callId) return;
    await popOrder(callId, found.order_id);
  }

  async function popOrder(callId, orderId) {
    desk.call = callId;
    const context = await run(api("GET", `/api/workorders/${orderId}/context`));
    if (!context || desk.call !== callId) return;
    desk.order = context.order;
    renderPop(context);
    OrderForm.fill(context.order);
    OrderForm.enable(true);
    RiskSuggestion.reset();
    $("referral-fields").disabled = false;
    $("order-number").textContent = context.order.number;
  }

  function renderPop(context) {
    const order = context.order;
    const previous = context.previous_orders || [];
    const rows = [
      [t("pop.order"), order.number],
      [t("pop.caller"), order.caller_number],
      [t("pop.last_risk"), context.last_risk_level ? t(`risk.${context.last_risk_level}`) : t("none")],
      [t("pop.callbacks"), (context.pending_callbacks || []).length],
      [t("pop.referrals"), (context.open_referrals || []).map((r) => `${r.site_name} (${r.status})`).join(", ") || t("none")],
    ];
    $("pop").replaceChildren(
      el("dl", { class: "facts", dataset: { order: order.id } },
        ...rows.map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
      el("h3", { text: t("pop.history") }),
      previous.length
        ? el("ol", { class: "history" }, ...previous.map((p) => el("li", {},
          el("time", { text: CC.dateTime(p.created_at) }),
          ` ${p.number} · ${OrderForm.categoryLabel(p.category)} · ${t(`risk.${p.risk_level}`, p.risk_level)}`,
          el("div", { class: "summary", text: p.summary || "" }))))
        : el("p", { class: "muted", text: t("pop.no_history") }),
    );
  }

  // -- work order -------------------------------------------------------------------------
  async function save() {
    if (!desk.order) return null;
    const changes = OrderForm.changes();
    if (!Object.keys(changes).length) return desk.order;
    const order = await api("PATCH", `/api/workorders/${desk.order.id}`, changes);
    desk.order = order;
    OrderForm.accepted(order);
    return order;
  }

  async function submitOrder(event) {
    event.preventDefault();
    if (!desk.order) return;
    const submitted = desk.order.id;
    const done = await run((async () => {
      await save();
      // The ACD ends this seat's wrap-up when it sees the order submitted.
      await api("POST", `/api/workorders/${submitted}/submit`);
      return true;
    })(), t("form.submitted"));
    // The next caller may have been put through (and popped) before this answer arrived:
    // only the order just submitted is closed, never the new one.
    if (done && desk.order && desk.order.id === submitted) {
      OrderForm.enable(false);
      $("referral-fields").disabled = true;
      $("order-number").textContent = `${desk.order.number} ✓`;
    }
  }

  async function acceptSuggestion(level) {
    OrderForm.field("risk_level").value = level;
    await save();
  }

  async function crisis() {
    if (!desk.order || !confirm(t("crisis.confirm"))) return;
    OrderForm.field("risk_level").value = "imminent";
    // Raising the risk to imminent is what starts the escalation (the crisis rules read it).
    await run(save(), t("crisis.started"));
  }

  async function loadSites() {
    try {
      const sites = await api("GET", "/api/sites");
      $("referral-site").replaceChildren(...sites.map((s) => el("option", { value: s.id,
        text: `${s.name} · ${s.city}${s.county ? " " + s.county : ""}` })));
      $("refer").hidden = !sites.length;
      if (!sites.length) $("referral-site").append(el("option", { value: "", text: t("referral.no_sites") }));
    } catch (_) {
      $("referral-panel").hidden = true; // referrals are not served by this deployment
    }
  }

  async function refer() {
    if (!desk.order) return;
    const body = { site_id: Number($("referral-site").value), reason: $("referral-reason").value.trim() };
    await run(save().then(() => api("POST", `/api/workorders/${desk.order.id}/referrals`, body)),
      t("referral.sent"));
  }

  function tick() {
    const since = $("my-since").dataset.since;
    if (since) $("my-since").textContent = duration(CC.serverNow() - Number(since));
  }

  CC.init();
  OrderForm.init();
  RiskSuggestion.init({
    context: () => ({ callId: desk.call, orderId: desk.order && desk.order.id }),
    accept: acceptSuggestion,
  });
  CC.onLanguage(renderSeat);
  $("login").addEventListener("click", login);
  $("logout").addEventListener("click", () => post("/api/agents/logout", {}));
  $("pause").addEventListener("click", () => post("/api/agents/pause", { reason: $("pause-reason").value }));
  $("resume").addEventListener("click", () => post("/api/agents/resume", {}));
  $("save").addEventListener("click", () => run(save(), t("form.saved")));
  $("order").addEventListener("submit", submitOrder);
  $("crisis").addEventListener("click", crisis);
  $("refer").addEventListener("click", refer);
  showAgent();
  loadSites();
  setInterval(tick, 1000);
  CC.connect(onMessage, onStatus);
})();
