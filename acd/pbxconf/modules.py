"""Exactly the Asterisk modules the hotline's dialplan and the ACD need, and why.

modules.conf loads these and nothing else (``autoload = no``): fewer modules is
less to go wrong, less to patch, and no System()/Exec-style application that AMI
could reach.
"""

from __future__ import annotations

# (module, why) in load order; Asterisk resolves dependencies among them itself.
MODULES: tuple[tuple[str, str], ...] = (
    # configuration and state storage for PJSIP (registrations survive a restart in astdb)
    ("res_sorcery_config", "PJSIP objects from pjsip.conf"),
    ("res_sorcery_memory", "PJSIP objects held in memory"),
    ("res_sorcery_astdb", "registered contacts kept across restarts"),
    ("res_pjproject", "the SIP stack"),
    ("res_pjsip", "SIP endpoints, auths, aors, transports"),
    ("res_pjsip_session", "SIP calls"),
    ("res_pjsip_pubsub", "required by chan_pjsip"),
    ("chan_pjsip", "PJSIP channels: the trunk, seats and supervisors' phones"),
    ("res_pjsip_authenticator_digest", "seats log in with their own password"),
    ("res_pjsip_endpoint_identifier_ip", "the carrier is known by its address"),
    ("res_pjsip_endpoint_identifier_user", "seats are known by their user name"),
    ("res_pjsip_registrar", "seats' softphones register"),
    ("res_pjsip_sdp_rtp", "audio offers and answers"),
    ("res_pjsip_nat", "rewrite_contact, force_rport"),
    ("res_pjsip_caller_id", "the caller's number reaches the ACD and the seat"),
    ("res_pjsip_rfc3326", "hang-up causes (Reason header)"),
    ("res_rtp_asterisk", "RTP audio, RFC 4733 DTMF for the IVR"),
    ("res_timing_timerfd", "timing for music on hold and the conference mixer"),
    ("res_musiconhold", "MusicOnHold() while a caller waits"),
    ("res_manager_devicestate", "DeviceStateChange events: the ACD sees a busy phone"),
    ("pbx_config", "extensions.conf"),
    ("app_dial", "Dial() of a seat and of a callback"),
    ("app_playback", "Playback() of the callback offer and the closed message"),
    ("app_userevent", "UserEvent(): the dialplan tells the ACD"),
    ("app_confbridge", "the warm police conference"),
    ("app_chanspy", "supervisors' listen-in"),
    ("app_queue", "the fail-safe fallback queue while the ACD's heartbeat is stale"),
    ("app_exec", "ExecIf(): the fallback queue's members follow the ACD's logins"),
    ("func_db", "DB(): the ACD's logins and the fallback's call records in AstDB"),
    ("func_channel", "CHANNEL(hangup_handler_push): a fallback call's record is closed"),
    ("app_stack", "Return() from the fallback's hangup handler"),
    ("bridge_simple", "two-party calls"),
    ("bridge_native_rtp", "two-party calls without transcoding"),
    ("bridge_softmix", "the conference mixer"),
    ("codec_ulaw", "G.711 u-law"),
    ("codec_alaw", "G.711 A-law (the carrier)"),
    ("codec_gsm", "the GSM prompts"),
    ("codec_g722", "HD audio between seats"),
    ("codec_resample", "the mixer's sample rates"),
    ("format_gsm", "the prompts (.gsm)"),
    ("format_wav", "music on hold (.wav)"),
    ("format_pcm", "hotline recordings as .ulaw/.alaw"),
    ("func_callerid", "CALLERID()"),
    ("func_logic", "IF()"),
    ("func_strings", "STRFTIME(): when a caller reached the queue"),
)

LOADED = tuple(name for name, _ in MODULES)


def modules_conf() -> str:
    lines = [
        "; Exactly the modules the 12355 dialplan and the ACD need (acd/pbxconf/modules.py).",
        "[modules]",
        "autoload = no",
    ]
    width = max(len(name) for name in LOADED) + len(".so")
    for name, why in MODULES:
        lines.append(f"load => {name + '.so':<{width}}  ; {why}")
    return "\n".join(lines) + "\n"
