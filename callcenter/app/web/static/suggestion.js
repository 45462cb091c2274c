// The desk's live risk suggestion: as the agent types the summary, the server's assessment
// (level and the words that triggered it) shows under it; one click accepts it into the work
// order's risk level, or dismisses it with a reason. Both answers are recorded by the server.
"use strict";

const RiskSuggestion = (() => {
  const { t, api, el, toast } = CC;
  const RANK = { none: 0, low: 1, medium: 2, high: 3, imminent: 4 };
  // The gravest evidence first: what is happening now, then what is planned.
  const SHOWN = ["attempt_now", "harm_from_others", "intent", "plan", "means", "timing",
    "ideation", "self_harm", "past_attempt"];
  const DEBOUNCE_MS = 300; // well inside the second the agent should wait
  const $ = (id) => document.getElementById(id);
  let host = null; // { context(): {callId, orderId}, accept(level): Promise }
  let timer = null;
  let asked = 0; // the latest request; older answers arriving late are dropped
  let current = null; // the assessment on screen
  let dismissed = "none"; // the highest level dismissed on this call

  const summary = () => OrderForm.field("summary").value;
  const orderLevel = () => OrderForm.field("risk_level").value || "none";

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  }

  async function refresh() {
    const mine = ++asked;
    const text = summary();
    if (!text.trim()) return render(null);
    try {
      const found = await api("POST", "/api/crisis/assessment", { summary: text });
      if (mine === asked) render(found);
    } catch (_) {
      if (mine === asked) render(null); // no suggestion rather than a stale one
    }
  }

  function render(found) {
    current = found;
    const box = $("risk-suggestion");
    if (!found || found.level === "none") {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.dataset.level = found.level;
    $("suggest-level").textContent = t(`risk.${found.level}`, found.level);
    $("suggest-evidence").replaceChildren(
      ...[...found.evidence].sort((a, b) => SHOWN.indexOf(a.dimension) - SHOWN.indexOf(b.dimension))
        .map((e) => el("li", { dataset: { dimension: e.dimension } },
        `${t(`dim.${e.dimension}`, e.dimension)}: `, el("span", { class: "words", text: e.words.join(" · ") }))),
      ...(found.others.length ? [el("li", { class: "muted",
        text: `${t("suggest.others")}: ${found.others.map((d) => t(`dim.${d}`, d)).join(", ")}` })] : []),
    );
    const covered = RANK[orderLevel()] >= RANK[found.level];
    const refused = RANK[dismissed] >= RANK[found.level];
    $("suggest-actions").hidden = covered || refused;
    $("suggest-state").textContent = covered ? t("suggest.at_level") : refused ? t("suggest.dismissed") : "";
  }

  async function answer(decision) {
    const { callId, orderId } = host.context();
    const body = { call_id: callId, order_id: orderId, summary: summary(), decision };
    if (decision === "dismissed") {
      body.reason = $("dismiss-reason").value;
      body.note = $("dismiss-note").value.trim();
    }
    return api("POST", "/api/crisis/suggestions", body);
  }

  async function accept() {
    if (!current || !host) return;
    const level = current.level;
    try {
      // Raising the order's level is what the crisis rules act on; then say it was accepted.
      await host.accept(level);
      await answer("accepted");
      toast(t("suggest.accepted"), "ok");
    } catch (error) {
      toast(`${t("error")}: ${error.message}`, "error");
    }
    render(current);
  }

  async function dismiss() {
    if (!current || !host) return;
    try {
      await answer("dismissed");
      if (RANK[current.level] > RANK[dismissed]) dismissed = current.level;
      toast(t("suggest.dismissed"), "ok");
    } catch (error) {
      toast(`${t("error")}: ${error.message}`, "error");
    }
    render(current);
  }

  function reset() {
    clearTimeout(timer);
    asked += 1;
    dismissed = "none";
    render(null);
    if (summary().trim()) schedule();
  }

  function init(options) {
    host = options;
    OrderForm.field("summary").addEventListener("input", schedule);
    OrderForm.field("risk_level").addEventListener("change", () => render(current));
    $("suggest-accept").addEventListener("click", accept);
    $("suggest-dismiss").addEventListener("click", dismiss);
    CC.onLanguage(() => render(current));
  }

  return { init, reset };
})();
