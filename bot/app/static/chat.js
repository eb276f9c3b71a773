/*
 * Web chat: talks Rasa's REST shape to /webhooks/rest/webhook.
 *
 * - The sender id, the demo phone and the conversation live in localStorage, so a reload shows the same
 *   conversation and the bot keeps its context (the server knows the conversation by the sender id).
 * - Every text is put on the page with textContent, never innerHTML: neither the customer nor the bot can
 *   inject markup.
 * - A message that could not be delivered is not in the history and goes back into the input for a retry.
 * - A supervisor may take the chat over from the desk; their replies come from /webhooks/rest/agent, polled
 *   every few seconds while a person answers and now and then otherwise (the first reply after a take-over).
 */
"use strict";

(function () {
  const STORAGE_KEY = "retention-webchat-v1";
  const ENDPOINT = "/webhooks/rest/webhook";
  const AGENT_ENDPOINT = "/webhooks/rest/agent";
  const POLL_LIVE_MS = 3000;
  const POLL_IDLE_MS = 15000;
  const TIMEOUT_MS = 30000;
  const MAX_HISTORY = 200;
  const PHONE_PATTERN = /^1\d{10}$/;

  const messagesList = document.getElementById("messages");
  const conversation = document.querySelector(".conversation");
  const typing = document.getElementById("typing");
  const errorBox = document.getElementById("error");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");
  const phoneInput = document.getElementById("phone");
  const phoneHint = document.getElementById("phone-hint");
  const restartButton = document.getElementById("restart");

  let state = loadState();
  let waiting = false;

  function newSenderId() {
    // getRandomValues also works on plain http (crypto.randomUUID needs a secure context)
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function loadState() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.history)) {
        return {
          sender: saved.sender,
          phone: typeof saved.phone === "string" ? saved.phone : "",
          history: saved.history,
          agentSeq: typeof saved.agentSeq === "number" ? saved.agentSeq : 0,
        };
      }
    } catch (ignored) {
      // unreadable or unavailable storage: start afresh
    }
    return { sender: newSenderId(), phone: "", history: [], agentSeq: 0 };
  }

  function saveState() {
    state.history = state.history.slice(-MAX_HISTORY);
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (ignored) {
      // private mode or full storage: the conversation still works, it just does not survive a reload
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollToEnd() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  function renderMessage(entry, withButtons) {
    const item = element("li", "message " + entry.from);
    item.appendChild(element("span", "sender visually-hidden", entry.from === "bot" ? "客服：" : "我："));
    item.appendChild(element("p", "bubble", entry.text));
    if (withButtons && entry.buttons && entry.buttons.length) {
      const group = element("div", "quick-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "快捷回复");
      entry.buttons.forEach((button) => {
        const choice = element("button", "", button.title);
        choice.type = "button";
        choice.addEventListener("click", () => send(button.title, button.payload, false));
        group.appendChild(choice);
      });
      item.appendChild(group);
    }
    messagesList.appendChild(item);
    return item;
  }

  // Quick replies answer the bot's latest turn only: those of earlier turns are history, not choices.
  function renderHistory() {
    messagesList.replaceChildren();
    const lastCustomer = state.history.map((entry) => entry.from).lastIndexOf("customer");
    state.history.forEach((entry, index) => renderMessage(entry, index > lastCustomer));
    scrollToEnd();
  }

  function disableQuickReplies() {
    messagesList.querySelectorAll(".quick-replies button").forEach((button) => { button.disabled = true; });
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function setWaiting(value) {
    waiting = value;
    typing.hidden = !value;
    sendButton.disabled = value;
    if (value) scrollToEnd();
  }

  function validPhone() {
    const phone = phoneInput.value.trim();
    return PHONE_PATTERN.test(phone) ? phone : "";
  }

  function onPhoneChange() {
    const phone = phoneInput.value.trim();
    const valid = phone === "" || PHONE_PATTERN.test(phone);
    phoneHint.textContent = valid ? (phone ? "将以此号码咨询" : "") : "请输入1开头的11位手机号";
    phoneHint.classList.toggle("invalid", !valid);
    phoneInput.setAttribute("aria-invalid", valid ? "false" : "true");
    state.phone = valid ? phone : "";
    saveState();
  }

  async function post(message) {
    const metadata = { source: "webchat" };
    const phone = validPhone();
    if (phone) metadata.phone = phone;
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(ENDPOINT, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: state.sender, message: message, metadata: metadata }),
        signal: controller.signal,
      });
    } catch (exc) {
      throw new Error(exc && exc.name === "AbortError"
        ? "服务器响应超时，请稍后重试。您的消息已保留在输入框中。"
        : "无法连接到服务器，请检查网络后重试。您的消息已保留在输入框中。");
    } finally {
      window.clearTimeout(timer);
    }
    if (!response.ok) {
      throw new Error("服务器暂时出了点问题（错误 " + response.status + "），请稍后重试。您的消息已保留在输入框中。");
    }
    try {
      const replies = await response.json();
      if (!Array.isArray(replies)) throw new Error("not a list");
      return replies;
    } catch (ignored) {
      throw new Error("服务器返回的内容无法识别，请稍后重试。您的消息已保留在输入框中。");
    }
  }

  // `shown` is what the customer sees in their bubble (a button's title), `message` what the bot gets.
  async function send(shown, message, typed) {
    if (waiting || !message.trim()) return;
    clearError();
    disableQuickReplies();
    const pending = renderMessage({ from: "customer", text: shown }, false);
    pending.classList.add("pending");
    if (typed) input.value = "";
    setWaiting(true);
    try {
      const replies = await post(message);
      pending.classList.remove("pending");
      state.history.push({ from: "customer", text: shown });
      replies.forEach((reply) => {
        if (typeof reply.text !== "string" && !Array.isArray(reply.buttons)) return;
        const buttons = (Array.isArray(reply.buttons) ? reply.buttons : [])
          .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
          .map((b) => ({ title: b.title, payload: b.payload }));
        state.history.push({ from: "bot", text: typeof reply.text === "string" ? reply.text : "", buttons: buttons });
      });
      saveState();
      renderHistory();
    } catch (exc) {
      pending.remove();
      if (typed && !input.value) input.value = shown; // keep what was typed for a retry
      renderHistory(); // brings the quick replies back
      showError(exc.message);
    } finally {
      setWaiting(false);
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) send(text, text, true);
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing (pinyin input)
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  phoneInput.addEventListener("input", onPhoneChange);

  // The supervisor's replies (the turn number of the last one shown is kept, so a reload repeats none).
  async function fetchAgentReplies() {
    const query = new URLSearchParams({ sender: state.sender, after: String(state.agentSeq) });
    const response = await fetch(AGENT_ENDPOINT + "?" + query.toString());
    if (!response.ok) return false;
    const answer = await response.json();
    const fresh = (answer && Array.isArray(answer.messages) ? answer.messages : [])
      .filter((m) => m && typeof m.text === "string" && typeof m.seq === "number" && m.seq > state.agentSeq);
    if (fresh.length && !waiting) { // while a message is on its way, the next poll shows them
      fresh.forEach((m) => {
        state.history.push({ from: "bot", text: m.text, buttons: [] });
        state.agentSeq = m.seq;
      });
      saveState();
      renderHistory();
    }
    return Boolean(answer && answer.live);
  }

  async function poll() {
    let live = false;
    try {
      if (!document.hidden) live = await fetchAgentReplies();
    } catch (ignored) {
      // offline for a moment: the next poll tries again
    }
    window.setTimeout(poll, live ? POLL_LIVE_MS : POLL_IDLE_MS);
  }

  restartButton.addEventListener("click", () => {
    state = { sender: newSenderId(), phone: state.phone, history: [], agentSeq: 0 };
    saveState();
    clearError();
    renderHistory();
    input.focus();
  });

  phoneInput.value = state.phone;
  renderHistory();
  poll();
})();
