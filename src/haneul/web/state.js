// Shared state and tiny DOM helpers for the Haneul web UI (plain ES modules, no build step).

export const $ = (id) => document.getElementById(id);
export const DEFAULT_TITLE = "새 대화"; // what the server calls an unnamed conversation

export const state = {
  conversation: null, // the open conversation (its card)
  controller: null, // the AbortController of the answer streaming now
  composing: false, // an IME composition is under way in the message box
  presets: [], // from GET /v1/presets
  preset: "chat", // the preset the next new conversation starts with
  stick: true, // keep the log scrolled to the bottom while answers stream
  editing: null, // the answer whose question is being edited: sending cuts the log there
};

/** An element with a class and text (never HTML). */
export function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function button(text, className = "", label = "") {
  const node = el("button", className, text);
  node.type = "button";
  if (label) node.setAttribute("aria-label", label);
  return node;
}

export function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}
