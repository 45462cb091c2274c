// The wallboard's alerts: crisis alerts pushed live (with a beep), open escalations,
// overdue referrals and agent alerts.
"use strict";

const WallboardAlerts = (() => {
  const { t, el, api } = CC;
  let live = []; // pushed over the live channel, newest first
  let standing = []; // open escalations and overdue referrals, reloaded from the API
  let audio = null;

  function push(kind, message, subject) {
    live.unshift({ kind, message, subject, at: new Date() });
    live = live.slice(0, 30);
    render();
  }

  function render() {
    const list = document.getElementById("alerts");
    const all = [...live, ...standing];
    if (!all.length) {
      list.replaceChildren(el("li", { class: "muted", text: t("alerts.none") }));
      return;
    }
    list.replaceChildren(...all.map((a) => el("li", { class: `alert ${a.kind}` },
      el("span", { class: "badge", text: t(`alerts.${a.kind}`) }),
      el("time", { text: CC.time(a.at) }),
      el("span", { text: ` ${a.subject || ""} ${a.message}` }))));
  }

  function overdue(referral, now) {
    if (referral.closed_at) return null;
    if (!referral.accepted_at && Date.parse(referral.accept_due_at) < now) return "accept";
    if (referral.outcome_due_at && !referral.outcome_at && Date.parse(referral.outcome_due_at) < now) {
      return "outcome";
    }
    return null;
  }

  async function reload() {
    const now = Date.now();
    const next = [];
    try {
      for (const e of await api("GET", "/api/crisis/escalations?open=true")) {
        next.push({ kind: "escalation", subject: `#${e.id}`, at: new Date(e.raised_at),
          message: `${e.stage} · ${e.owner}${e.region ? " · " + e.region : ""}` });
      }
    } catch (_) { /* no crisis package here */ }
    try {
      const page = await api("GET", "/api/referrals?size=200");
      for (const r of page.items) {
        const late = overdue(r, now);
        if (late) {
          next.push({ kind: "referral", subject: r.order_number, at: new Date(r.sent_at),
            message: `${r.site_name} (${late})` });
        }
      }
    } catch (_) { /* no referrals here */ }
    standing = next;
    render();
  }

  // A short two-tone beep from WebAudio: no audio files to ship. Browsers allow sound
  // only after a click, hence the "enable sound" button; beeps are counted either way.
  function beep() {
    window.ccBeeps = (window.ccBeeps || 0) + 1;
    if (!audio) return;
    const start = audio.currentTime;
    [880, 660].forEach((frequency, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, start + i * 0.2);
      gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.2 + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.2);
      osc.stop(start + i * 0.2 + 0.2);
    });
  }

  function enableSound() {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    audio.resume();
    const button = document.getElementById("sound-toggle");
    button.dataset.i18n = "sound.on";
    button.textContent = t("sound.on");
    beep();
  }

  return { push, render, reload, beep, enableSound };
})();
