// clap-search page: search, listen, follow "more like this", filter, drop a file. No build step.
"use strict";

const $ = (id) => document.getElementById(id);
const player = $("player");
const state = { hits: [], sel: -1, playing: -1, query: null, peaks: new Map(), canvases: [], base: "" };

// ---------- talking to the API ----------

async function api(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  return body;
}

function filterParams() {
  const p = new URLSearchParams();
  const add = (key, id) => { const v = $(id).value.trim(); if (v) p.append(key, v); };
  add("folder", "f-folder"); add("min_duration", "f-min"); add("max_duration", "f-max");
  add("format", "f-format"); add("sample_rate", "f-rate"); add("tag", "f-tag");
  p.set("k", $("f-k").value);
  return p;
}

function banner(message) {
  const b = $("banner");
  b.hidden = !message;
  b.textContent = message || "";
}

async function run(query) {
  state.query = query;
  banner("");
  $("summary").textContent = "Searching…";
  const t0 = performance.now();
  try {
    const params = filterParams();
    let data;
    if (query.kind === "text") {
      params.set("q", query.q);
      data = await api("/api/search?" + params);
    } else if (query.kind === "similar") {
      params.set("file_id", query.fileId);
      data = await api("/api/similar?" + params);
    } else {
      const form = new FormData();
      form.append("file", query.file, query.file.name);
      data = await api("/api/similar?" + params, { method: "POST", body: form });
    }
    show(data.results, query, Math.round(performance.now() - t0));
  } catch (err) {
    $("summary").textContent = "";
    banner(err.message);
  }
}

function runText() {
  const q = $("q").value.trim();
  if (!q) { $("q").focus(); return; }
  history.replaceState(null, "", "?q=" + encodeURIComponent(q));
  run({ kind: "text", q });
}

// ---------- results ----------

function clock(s) {
  s = Math.max(0, s || 0);
  const m = Math.floor(s / 60);
  return `${m}:${(s - 60 * m).toFixed(1).padStart(4, "0")}`;
}

function describe(query, n, ms) {
  const what = query.kind === "text" ? `“${query.q}”`
    : query.kind === "similar" ? `sounds like ${query.name}` : `sounds like the dropped file ${query.file.name}`;
  return `${n} result${n === 1 ? "" : "s"} · ${what} · ${ms} ms`;
}

function show(hits, query, ms) {
  stop();
  state.hits = hits;
  state.sel = -1;
  const list = $("results");
  list.replaceChildren();
  state.canvases = [];
  const scores = hits.map((h) => h.score);
  const hi = Math.max(...scores), lo = Math.min(...scores);
  hits.forEach((hit, i) => list.appendChild(row(hit, i, hi, lo)));
  $("empty").hidden = hits.length > 0;
  if (!hits.length) $("empty").innerHTML = "<p>No sounds match. Loosen the filters or describe it differently.</p>";
  $("summary").textContent = describe(query, hits.length, ms);
  const exp = $("export");
  exp.hidden = query.kind !== "text" || !hits.length;
  if (query.kind === "text") {
    const p = filterParams(); p.set("q", query.q); p.set("as", "csv");
    exp.href = "/api/export?" + p;
  }
  if (hits.length) select(0, false);
}

function whyChip(why) {
  // which signal ranked this hit (words/ranker.py): sound, its words, their meaning, its neighbours
  const expanded = (why.expanded || 0) > (why.lexical || 0);
  const parts = [["sound", why.audio_z], [expanded ? `words ≈${why.expanded_word}` : "words",
                 expanded ? why.expanded : why.lexical], ["meaning", why.semantic_credit],
                 ["neighbours", why.borrowed]];
  const c = chip("why: " + parts.filter(([, v]) => v > 0.05).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(", "));
  c.title = JSON.stringify(why);
  return c;
}

function row(hit, i, hi, lo) {
  const li = $("row").content.firstElementChild.cloneNode(true);
  li.dataset.index = i;
  li.querySelector(".name").textContent = hit.name || hit.path;
  li.querySelector(".name").title = hit.path;
  li.querySelector(".folder").textContent = shortFolder(hit.folder || "");
  li.querySelector(".folder").title = hit.folder || "";
  const meta = li.querySelector(".meta");
  const range = document.createElement("span");
  range.className = "range";
  range.textContent = `${clock(hit.start)}–${clock(hit.end)}`;
  meta.append(range, chip(`${clock(hit.duration)} long`));
  if (hit.format) meta.append(chip(hit.format));
  if (hit.sample_rate) meta.append(chip(`${(hit.sample_rate / 1000).toFixed(hit.sample_rate % 1000 ? 1 : 0)} kHz`));
  for (const t of hit.tags || []) meta.append(tagChip(t));
  const words = hit.words || {};
  const said = words.description || words.title || (words.ucs && words.ucs.fx_name) || words.keywords;
  if (said) meta.append(chip(`“${said.slice(0, 80)}”`));
  if (hit.explain) meta.append(whyChip(hit.explain));
  const width = hi > lo ? 15 + 85 * (hit.score - lo) / (hi - lo) : 100;
  li.querySelector(".bar span").style.width = `${width}%`;
  li.querySelector(".score b").textContent = hit.score.toFixed(3);
  li.querySelector(".play").addEventListener("click", (e) => { e.stopPropagation(); select(i); toggle(i); });
  li.querySelector(".more").addEventListener("click", (e) => { e.stopPropagation(); more(i); });
  const canvas = li.querySelector(".wave");
  canvas.addEventListener("click", (e) => { e.stopPropagation(); select(i); seekTo(i, e); });
  li.addEventListener("click", () => select(i));
  state.canvases[i] = canvas;
  loadPeaks(hit).then(() => draw(i));
  return li;
}

function chip(text) {
  const s = document.createElement("span");
  s.className = "chip";
  s.textContent = text;
  return s;
}

function tagChip(tag) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "chip tag";
  b.title = `score ${tag.score.toFixed(2)} — click to filter by this tag`;
  b.textContent = tag.label;
  b.addEventListener("click", (e) => { e.stopPropagation(); setTag(tag.label); });
  return b;
}

function setTag(label) {
  const sel = $("f-tag");
  if (![...sel.options].some((o) => o.value === label)) sel.add(new Option(label, label));
  sel.value = label;
  rerun();
}

function select(i, scroll = true) {
  if (i < 0 || i >= state.hits.length) return;
  const items = $("results").children;
  if (state.sel >= 0 && items[state.sel]) items[state.sel].classList.remove("selected");
  state.sel = i;
  items[i].classList.add("selected");
  if (scroll) items[i].scrollIntoView({ block: "nearest" });
}

function more(i) {
  const hit = state.hits[i];
  $("q").value = "";
  history.replaceState(null, "", "/");
  run({ kind: "similar", fileId: hit.file_id, name: hit.name });
}

// ---------- waveform ----------

async function loadPeaks(hit) {
  if (state.peaks.has(hit.file_id)) return;
  try {
    state.peaks.set(hit.file_id, (await api(hit.waveform_url)).peaks);
  } catch (_) {
    state.peaks.set(hit.file_id, []);
  }
}

function draw(i) {
  const canvas = state.canvases[i], hit = state.hits[i];
  if (!canvas || !hit) return;
  const peaks = state.peaks.get(hit.file_id) || [];
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 320, h = canvas.clientHeight || 44;
  canvas.width = w * ratio; canvas.height = h * ratio;
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  const css = getComputedStyle(document.documentElement);
  const dur = hit.duration || hit.end || 1;
  const x0 = (hit.start / dur) * w, x1 = (hit.end / dur) * w;
  g.fillStyle = css.getPropertyValue("--match");
  g.fillRect(x0, 0, Math.max(2, x1 - x0), h);
  const n = peaks.length || 1, step = w / n;
  for (let k = 0; k < peaks.length; k++) {
    const x = k * step, amp = Math.max(1, peaks[k] * (h - 4));
    g.fillStyle = css.getPropertyValue(x >= x0 - step && x <= x1 ? "--wave-hit" : "--wave");
    g.fillRect(x, (h - amp) / 2, Math.max(1, step - 0.6), amp);
  }
  if (state.playing === i && player.duration) {
    g.fillStyle = "#e0452b";
    g.fillRect((player.currentTime / dur) * w - 1, 0, 2, h);
  }
}

// ---------- playback ----------

function play(i, from) {
  const hit = state.hits[i];
  const previous = state.playing;
  state.playing = i;
  if (previous >= 0 && previous !== i) { mark(previous, false); draw(previous); }
  const start = from !== undefined ? from : hit.start;
  if (player.dataset.fileId !== String(hit.file_id)) {
    player.src = hit.audio_url;
    player.dataset.fileId = String(hit.file_id);
    player.addEventListener("loadedmetadata", () => { player.currentTime = start; }, { once: true });
  } else {
    player.currentTime = start;
  }
  player.play().catch((err) => banner(`cannot play ${hit.name}: ${err.message}`));
}

function toggle(i) {
  if (state.playing === i && !player.paused) { player.pause(); return; }
  if (state.playing === i && player.src) { player.play(); return; }
  play(i);
}

function stop() {
  player.pause();
  if (state.playing >= 0) mark(state.playing, false);
  state.playing = -1;
}

function seekTo(i, event) {
  const rect = event.target.getBoundingClientRect();
  const dur = state.hits[i].duration || 0;
  play(i, dur * (event.clientX - rect.left) / rect.width);
}

function mark(i, on) {
  const li = $("results").children[i];
  if (!li) return;
  li.classList.toggle("playing", on);
  li.querySelector(".play").textContent = on ? "❚❚" : "▶";
}

player.addEventListener("play", () => mark(state.playing, true));
player.addEventListener("pause", () => mark(state.playing, false));
player.addEventListener("ended", () => mark(state.playing, false));
player.addEventListener("timeupdate", () => draw(state.playing));

// ---------- keyboard ----------

function typing(el) {
  return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const inField = typing(e.target);
  if (e.key === "ArrowDown" && (!inField || e.target.id === "q")) {
    e.preventDefault(); e.target.blur(); select(Math.min(state.sel + 1, state.hits.length - 1));
  } else if (inField) {
    if (e.key === "Escape") e.target.blur();
  } else if (e.key === "ArrowUp") {
    e.preventDefault();
    if (state.sel <= 0) $("q").focus(); else select(state.sel - 1);
  } else if (e.key === " ") {
    e.preventDefault(); if (state.sel >= 0) toggle(state.sel);
  } else if (e.key === "Enter") {
    e.preventDefault(); if (state.sel >= 0) play(state.sel);
  } else if (e.key === "m" || e.key === "M") {
    if (state.sel >= 0) more(state.sel);
  } else if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && state.playing >= 0) {
    e.preventDefault(); player.currentTime = Math.max(0, player.currentTime + (e.key === "ArrowLeft" ? -2 : 2));
  } else if (e.key === "/") {
    e.preventDefault(); $("q").focus(); $("q").select();
  }
});

// ---------- drop a file ----------

let dragDepth = 0;
const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
window.addEventListener("dragenter", (e) => { if (hasFiles(e)) { dragDepth++; $("drop").hidden = false; } });
window.addEventListener("dragleave", () => { dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) $("drop").hidden = true; });
window.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
window.addEventListener("drop", (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0; $("drop").hidden = true;
  const file = e.dataTransfer.files[0];
  if (file) searchFile(file);
});
$("file").addEventListener("change", (e) => { if (e.target.files[0]) searchFile(e.target.files[0]); e.target.value = ""; });

function searchFile(file) {
  $("q").value = "";
  history.replaceState(null, "", "/");
  run({ kind: "upload", file });
}

// ---------- filters, status, start ----------

function commonFolder(paths) {
  if (paths.length < 2) return paths.length ? paths[0] : "";
  let prefix = paths[0];
  for (const p of paths) while (!(p + "/").startsWith(prefix + "/")) prefix = prefix.slice(0, prefix.lastIndexOf("/"));
  return prefix;
}

// A folder relative to the library's common folder, keeping that folder's own name for context.
function shortFolder(path) {
  const base = state.base.slice(0, state.base.lastIndexOf("/"));
  return base && path.startsWith(base + "/") ? path.slice(base.length + 1) : path;
}

function fill(id, items, label) {
  const sel = $(id);
  for (const it of items) sel.add(new Option(`${label(it.value)} (${it.count})`, it.value));
}

async function loadFacets() {
  try {
    const f = await api("/api/facets");
    state.base = commonFolder(f.folders.map((x) => x.value));
    fill("f-folder", f.folders, shortFolder);
    fill("f-format", f.formats, (v) => v);
    fill("f-rate", f.sample_rates, (v) => `${v} Hz`);
    fill("f-tag", f.tags, (v) => v);
  } catch (err) { banner(err.message); }
}

async function loadStatus() {
  try {
    const s = await api("/api/status");
    const model = s.model ? s.model.name : "no model";
    $("status").textContent = `${s.files} files · ${s.hours.toFixed(1)} h · model ${model}`;
    $("status").title = s.library;
  } catch (err) { banner(err.message); }
}

function rerun() { if (state.query) run(state.query); }

$("search-form").addEventListener("submit", (e) => { e.preventDefault(); runText(); });
for (const id of ["f-folder", "f-format", "f-rate", "f-tag", "f-k", "f-min", "f-max"]) $(id).addEventListener("change", rerun);
$("f-clear").addEventListener("click", () => {
  for (const id of ["f-folder", "f-format", "f-rate", "f-tag", "f-min", "f-max"]) $(id).value = "";
  rerun();
});
window.addEventListener("resize", () => state.hits.forEach((_, i) => draw(i)));

loadStatus();
const initial = new URLSearchParams(location.search).get("q");
loadFacets().then(() => { if (initial) { $("q").value = initial; runText(); } });
