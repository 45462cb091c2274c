// Today's KPIs for the wallboard: from /api/stats (work-order statistics) and
// /api/callbacks/stats; from the call records when the statistics are not served.
"use strict";

const WallboardKpis = (() => {
  const SERVICE_SECONDS = 20; // answered within this long counts toward the service level
  const OPEN_CALLBACKS = ["pending", "dialing"];
  const DONE_CALLBACKS = ["reached", "exhausted", "wrong_number"];

  function midnight() {
    const day = new Date();
    day.setHours(0, 0, 0, 0);
    return day;
  }

  function localDay(day) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
  }

  async function fromStats() {
    const day = localDay(midnight());
    const report = await CC.api("GET", `/api/stats?from=${day}&to=${day}&group_by=day`);
    const total = report.total;
    return {
      offered: total.calls_offered,
      answered: total.calls_answered,
      abandoned: total.calls_abandoned,
      answer_rate: total.answer_rate,
      service_level: total.service_level,
      average_wait: total.avg_wait_seconds,
    };
  }

  // The same figures from the call records, for a deployment without the statistics package.
  async function fromCalls() {
    const since = encodeURIComponent(midnight().toISOString());
    const calls = await CC.api("GET", `/api/calls?limit=500&since=${since}`);
    const answered = calls.filter((c) => c.answered_at);
    const waits = answered.map((c) => c.wait_seconds).filter((w) => typeof w === "number");
    const ratio = (part) => (calls.length ? part / calls.length : null);
    return {
      offered: calls.length,
      answered: answered.length,
      abandoned: calls.filter((c) => c.outcome === "abandoned").length,
      answer_rate: ratio(answered.length),
      service_level: ratio(waits.filter((w) => w <= SERVICE_SECONDS).length),
      average_wait: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : null,
    };
  }

  async function callbacks() {
    const count = (stats, statuses) =>
      statuses.reduce((sum, status) => sum + (stats.by_status[status] || 0), 0);
    try {
      const since = encodeURIComponent(midnight().toISOString());
      const [all, today] = await Promise.all([
        CC.api("GET", "/api/callbacks/stats"),
        CC.api("GET", `/api/callbacks/stats?since=${since}`),
      ]);
      return { callbacks_pending: count(all, OPEN_CALLBACKS), callbacks_done: count(today, DONE_CALLBACKS) };
    } catch (_) {
      return { callbacks_pending: null, callbacks_done: null };
    }
  }

  async function today() {
    const calls = await fromStats().catch(() => fromCalls());
    return { ...calls, ...(await callbacks()) };
  }

  return { today };
})();
