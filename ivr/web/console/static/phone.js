// The browser phone: plays what the line says, sends what the caller does.
//
// The call itself runs on the server (the simulator, ivr.web.console.phone); this script only plays
// the prompts in order (one <audio> element), keeps real-second timeouts, and posts the caller's
// moves. A key pressed while a prompt inside the <Gather> plays stops it and is sent as a barge-in
// saying which prompt it cut (as Twilio does: bargeIn defaults to true); a key pressed while a prompt
// *before* the <Gather> plays is not heard (Twilio is not listening yet). No library, no CDN.
"use strict";

(function () {
  const root = document.getElementById("phone");
  const words = JSON.parse(document.getElementById("phone-words").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const audio = document.getElementById("line-audio");
  const statusEl = document.getElementById("status");
  const callButton = document.getElementById("call-button");
  const keys = Array.from(document.querySelectorAll(".keypad .key"));
  const skipButton = document.getElementById("skip-wait");
  const sayForm = document.getElementById("say-form");
  const sayText = document.getElementById("say-text");
  const sayButton = document.getElementById("say-button");
  const speechButton = document.getElementById("speech-button");
  const dialSet = document.getElementById("dial-outcomes");
  const messageSet = document.getElementById("message");
  const recordMic = document.getElementById("record-mic");
  const recordStop = document.getElementById("record-stop");
  const recordCanned = document.getElementById("record-canned");
  const yourMessage = document.getElementById("your-message");
  const callAt = document.getElementById("call-at");
  const transcript = document.getElementById("transcript");
  const problems = document.getElementById("problems");
  const nowAt = document.getElementById("now-at");
  const diagram = document.getElementById("diagram");

  let callId = null;
  let wait = { kind: "idle" };
  let queue = [];
  let current = null; // the sound playing now
  let countdown = null; // { timer, ticker, end }
  let ringer = null;
  let recorder = null;
  let chain = Promise.resolve();
  let audioContext = null;
  let dialTargets = "";

  const say = (key, values) =>
    (words[key] || key).replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? values[name] : ""));

  function setStatus(text) {
    statusEl.textContent = text;
  }

  function reflect() {
    root.dataset.wait = wait.kind;
    root.dataset.playing = current ? "true" : "false";
    root.dataset.soundEvent = current ? String(current.event) : ""; // the transcript line being heard
    const inCall = callId !== null && wait.kind !== "ended";
    callButton.textContent = inCall ? words.phone_hang_up : words.phone_call;
    callButton.classList.toggle("hang-up", inCall);
    const listening = inCall && (wait.kind === "gather" || wait.kind === "record");
    keys.forEach((k) => (k.disabled = !listening));
    const speech = inCall && wait.kind === "gather" && (wait.input || []).includes("speech");
    sayText.disabled = !speech;
    sayButton.disabled = !speech;
    speechButton.disabled = !speech;
    dialSet.disabled = !(inCall && wait.kind === "dial");
    messageSet.disabled = !(inCall && wait.kind === "record");
    skipButton.disabled = !(inCall && (wait.kind === "gather" || wait.kind === "record") && !recorder);
    if (callAt.dataset.inProcess === "true") callAt.disabled = inCall;
  }

  // -- talking to the server ------------------------------------------------------------------

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    let data = {};
    try {
      data = await response.json();
    } catch (e) {
      data = { error: `HTTP ${response.status}` };
    }
    if (!response.ok && data.error) showProblem({ severity: "error", code: response.status, message: data.error });
    return { ok: response.ok, status: response.status, data };
  }

  function act(body) {
    chain = chain.then(async () => {
      if (!callId) return;
      const { status, data } = await post(`${root.dataset.callsUrl}/${callId}/act`, body);
      if (status === 404) {
        endLocally(data.error || "");
        return;
      }
      if (data.lines) apply(data);
    });
    return chain;
  }

  async function placeCall() {
    clearAll();
    transcript.textContent = "";
    problems.innerHTML = "";
    const none = document.createElement("li");
    none.className = "none";
    none.textContent = words.phone_no_problems;
    problems.appendChild(none);
    const body = {};
    if (callAt.value && !callAt.disabled) body.at = withOffset(callAt.value);
    callButton.disabled = true;
    const { ok, data } = await post(root.dataset.callsUrl, body);
    callButton.disabled = false;
    if (!ok) return;
    callId = data.call;
    apply(data);
  }

  function withOffset(local) {
    // datetime-local has no zone: the browser's own offset at that moment makes it ISO 8601.
    const minutes = -new Date(local).getTimezoneOffset();
    const sign = minutes >= 0 ? "+" : "-";
    const abs = Math.abs(minutes);
    const pad = (n) => String(n).padStart(2, "0");
    return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  // -- what the server said -------------------------------------------------------------------

  function apply(update) {
    for (const line of update.amended || []) {
      const item = transcript.querySelector(`li[data-index="${line.index}"]`);
      if (item) item.textContent = line.text;
    }
    for (const line of update.lines || []) {
      const item = document.createElement("li");
      item.dataset.index = line.index;
      item.dataset.kind = line.kind;
      item.textContent = line.text;
      transcript.appendChild(item);
    }
    transcript.scrollTop = transcript.scrollHeight;
    for (const problem of update.problems || []) showProblem(problem);
    showNode(update.node);
    wait = update.wait || wait;
    if (wait.kind === "dial") dialTargets = (wait.targets || []).join(", ");
    queue.push(...(update.sounds || []));
    if (!current) playNext();
    reflect();
  }

  function showProblem(problem) {
    const none = problems.querySelector(".none");
    if (none) none.remove();
    const item = document.createElement("li");
    item.setAttribute("role", "alert");
    item.className = problem.severity === "warning" ? "warning" : "error";
    const where = problem.line ? ` (line ${problem.line})` : "";
    item.textContent = `${String(problem.severity || "error").toUpperCase()} ${problem.code}${where}: ${problem.message}`;
    problems.appendChild(item);
  }

  function showNode(node) {
    if (node === undefined) return;
    nowAt.textContent = node ? (node.title ? `${node.id} · ${node.title}` : node.id) : words.phone_node_unknown;
    for (const g of diagram.querySelectorAll("g.node")) {
      const title = g.querySelector("title");
      const here = !!node && title && title.textContent === node.id;
      g.classList.toggle("current", here);
      if (here) g.setAttribute("aria-current", "location");
      else g.removeAttribute("aria-current");
    }
    const here = diagram.querySelector("g.node.current");
    if (here) {
      // Centre the node inside the diagram's own scroll area (the page itself does not move).
      const box = here.getBoundingClientRect();
      const area = diagram.getBoundingClientRect();
      diagram.scrollTop += box.top - area.top - area.height / 2 + box.height / 2;
      diagram.scrollLeft += box.left - area.left - area.width / 2 + box.width / 2;
    }
  }

  // -- sound ----------------------------------------------------------------------------------

  function playNext() {
    stopCountdown();
    if (!queue.length) {
      current = null;
      reflect();
      afterPrompts();
      return;
    }
    current = queue.shift();
    current.played = 0;
    reflect();
    setStatus(words.phone_status_playing);
    if (current.kind === "audio") {
      audio.loop = current.loop === 0;
      audio.src = current.url;
      audio.play().catch((error) => {
        if (error && error.name === "AbortError") return; // stopped by a barge-in
        showProblem({ severity: "warning", code: "audio", message: say("phone_audio_failed", { error: error.message }) });
        playNext();
      });
    } else if (current.kind === "silence") {
      const mine = current;
      setTimeout(() => current === mine && playNext(), current.seconds * 1000);
    } else if (current.kind === "tone") {
      const mine = current;
      tone([current.hz], current.seconds);
      setTimeout(() => current === mine && playNext(), current.seconds * 1000);
    } else {
      playNext();
    }
  }

  audio.addEventListener("ended", () => {
    if (!current || current.kind !== "audio") return;
    current.played += 1;
    if (current.played < (current.loop || 1)) {
      audio.currentTime = 0;
      audio.play();
      return;
    }
    playNext();
  });

  audio.addEventListener("error", () => {
    if (!current || current.kind !== "audio" || !audio.getAttribute("src")) return;
    showProblem({ severity: "warning", code: "audio", message: say("phone_audio_failed", { error: current.url }) });
    playNext();
  });

  function stopAudio() {
    queue = [];
    current = null;
    audio.pause();
    audio.removeAttribute("src");
    audio.load();
    reflect();
  }

  function tone(freqs, seconds) {
    try {
      audioContext = audioContext || new (window.AudioContext || window.webkitAudioContext)();
      const gain = audioContext.createGain();
      gain.gain.value = 0.12;
      gain.connect(audioContext.destination);
      for (const f of freqs) {
        const osc = audioContext.createOscillator();
        osc.frequency.value = f;
        osc.connect(gain);
        osc.start();
        osc.stop(audioContext.currentTime + seconds);
      }
    } catch (e) {
      /* no Web Audio: the tone is only a courtesy */
    }
  }

  const DTMF = {
    1: [697, 1209], 2: [697, 1336], 3: [697, 1477], 4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
    7: [852, 1209], 8: [852, 1336], 9: [852, 1477], "*": [941, 1209], 0: [941, 1336], "#": [941, 1477],
  };

  // -- waiting, as Twilio waits: real seconds ---------------------------------------------------

  function afterPrompts() {
    if (!callId) return;
    if (wait.kind === "gather") startCountdown(wait.timeout, "phone_status_listening");
    else if (wait.kind === "record" && !recorder) startCountdown(wait.timeout, "phone_status_recording_wait");
    else if (wait.kind === "dial") startRinging();
    else if (wait.kind === "ended") endLocally(wait.reason);
  }

  function startCountdown(seconds, messageKey) {
    stopCountdown();
    const end = Date.now() + seconds * 1000;
    const show = () => setStatus(say(messageKey, { seconds: Math.max(0, Math.ceil((end - Date.now()) / 1000)) }));
    show();
    countdown = {
      timer: setTimeout(() => {
        stopCountdown();
        act({ action: "silence" });
      }, seconds * 1000),
      ticker: setInterval(show, 250),
    };
    root.dataset.countdown = "true";
  }

  function stopCountdown() {
    if (countdown) {
      clearTimeout(countdown.timer);
      clearInterval(countdown.ticker);
      countdown = null;
    }
    root.dataset.countdown = "false";
  }

  function startRinging() {
    stopRinging();
    setStatus(say("phone_status_dialing", { number: dialTargets }));
    tone([450], 1);
    ringer = setInterval(() => tone([450], 1), 5000); // China's ringback: 450 Hz, 1 s on, 4 s off
  }

  function stopRinging() {
    if (ringer) clearInterval(ringer);
    ringer = null;
  }

  function clearAll() {
    stopCountdown();
    stopRinging();
    stopAudio();
  }

  function endLocally(reason) {
    clearAll();
    wait = { kind: "ended", reason };
    setStatus(say("phone_status_ended", { reason: reason || "" }));
    reflect();
  }

  // -- the caller's moves -----------------------------------------------------------------------

  // How a key or phrase meets the prompts: cutting one inside the <Gather>, unheard before it, or after them.
  function interruption() {
    if (!current) return { barge_in: false };
    if (current.nested === undefined) return null; // not listening yet
    const during = current.nested;
    clearAll();
    return { barge_in: true, during };
  }

  function press(key) {
    if (!callId || (wait.kind !== "gather" && wait.kind !== "record")) return;
    tone(DTMF[key], 0.15);
    if (wait.kind === "record") {
      stopCountdown();
      act({ action: "press", key });
      return;
    }
    const cut = interruption();
    if (cut === null) {
      setStatus(say("phone_key_ignored", { key }));
      return;
    }
    stopCountdown();
    act({ action: "press", key, ...cut });
  }

  function sayPhrase(text, confidence) {
    if (!callId || wait.kind !== "gather" || !text.trim()) return;
    const cut = interruption();
    if (cut === null) return;
    stopCountdown();
    act({ action: "say", text, confidence, ...cut });
  }

  keys.forEach((button) => button.addEventListener("click", () => press(button.dataset.key)));
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
    if (DTMF[event.key] !== undefined && callId && !keys[0].disabled) {
      event.preventDefault();
      press(event.key);
    }
  });

  callButton.addEventListener("click", () => {
    if (callId && wait.kind !== "ended") {
      const id = callId;
      clearAll();
      act({ action: "hangup" }).then(() => {
        if (callId === id) endLocally(wait.reason || "caller hung up");
      });
    } else {
      placeCall();
    }
  });

  skipButton.addEventListener("click", () => {
    if (!callId) return;
    clearAll();
    act({ action: "silence" });
  });

  sayForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = sayText.value;
    sayText.value = "";
    sayPhrase(text, 0.9);
  });

  dialSet.addEventListener("click", (event) => {
    const status = event.target.dataset && event.target.dataset.status;
    if (!status || wait.kind !== "dial") return;
    stopRinging();
    act({ action: "dial", status });
  });

  recordCanned.addEventListener("click", () => {
    if (wait.kind !== "record") return;
    clearAll();
    act({ action: "message" });
  });

  recordMic.addEventListener("click", async () => {
    if (wait.kind !== "record" || recorder) return;
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      setStatus(words.phone_mic_unavailable);
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      setStatus(words.phone_mic_unavailable);
      return;
    }
    stopCountdown();
    const chunks = [];
    const started = Date.now();
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (e) => chunks.push(e.data));
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      const seconds = (Date.now() - started) / 1000;
      const player = yourMessage.querySelector("audio");
      player.src = URL.createObjectURL(new Blob(chunks, { type: recorder.mimeType }));
      yourMessage.hidden = false;
      recorder = null;
      recordStop.hidden = true;
      recordMic.hidden = false;
      act({ action: "message", seconds });
    });
    recorder.start();
    recordMic.hidden = true;
    recordStop.hidden = false;
    const ticker = setInterval(() => {
      if (!recorder) return clearInterval(ticker);
      setStatus(say("phone_status_recording", { seconds: ((Date.now() - started) / 1000).toFixed(1) }));
    }, 250);
    reflect();
  });

  recordStop.addEventListener("click", () => recorder && recorder.stop());

  // The browser's own speech recognition, where it has one: it fills in what the caller said.
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    speechButton.hidden = false;
    speechButton.addEventListener("click", () => {
      const recognition = new Recognition();
      recognition.lang = wait.language || document.documentElement.lang;
      recognition.interimResults = false;
      recognition.addEventListener("result", (event) => {
        const best = event.results[0][0];
        sayPhrase(best.transcript, Math.round((best.confidence || 0.9) * 100) / 100);
      });
      recognition.addEventListener("error", () => setStatus(words.phone_speech_unavailable));
      recognition.start();
    });
  }

  // A closed tab hangs up (the server would also hang up an idle call after a while).
  window.addEventListener("pagehide", () => {
    if (!callId || wait.kind === "ended") return;
    const form = new FormData();
    form.append("action", "hangup");
    form.append("csrf_token", csrf);
    navigator.sendBeacon(`${root.dataset.callsUrl}/${callId}/act`, form);
  });

  // -- the diagram ------------------------------------------------------------------------------

  fetch(root.dataset.diagramUrl, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((svg) => {
      diagram.innerHTML = svg;
      const drawing = diagram.querySelector("svg");
      if (drawing) {
        drawing.setAttribute("role", "img");
        drawing.setAttribute("aria-labelledby", "diagram-title");
      }
    })
    .catch((error) => (diagram.textContent = error.message));

  reflect();
})();
