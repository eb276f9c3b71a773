// Practice page: start a call, send replies, show the coach's feedback beside the chat, show the report.
// Every text from the server goes in with textContent (never innerHTML); requests carry the CSRF token.
"use strict";

(function () {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  let callId = null;
  let exam = false;

  async function api(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail : "请求失败（" + response.status + "）";
      throw new Error(detail);
    }
    return data;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function say(role, text) {
    const item = element("li", "message " + role);
    item.appendChild(element("span", "who", role === "customer" ? "客户" : "我"));
    item.appendChild(element("p", "text", text));
    $("messages").appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showProfile(customer) {
    const list = $("profile");
    list.replaceChildren();
    for (const [label, value] of Object.entries(customer)) {
      list.appendChild(element("dt", "", label));
      list.appendChild(element("dd", "", value));
    }
  }

  function list(className, title, items) {
    const box = element("div", className);
    box.appendChild(element("h3", "", title));
    const ul = element("ul");
    for (const item of items) ul.appendChild(element("li", "", item));
    box.appendChild(ul);
    return box;
  }

  function showFeedback(turn) {
    const panel = $("feedback");
    const empty = $("feedback-empty");
    if (empty) empty.remove();
    const card = element("article", "turn-feedback");
    card.appendChild(element("h3", "", "第" + turn.turn + "句 · 当前得分 " + turn.score));
    card.appendChild(element("p", "acts", "识别：" + (turn.act_labels.join("、") || "未识别")));
    card.appendChild(element("p", "expected", "流程建议：" + (turn.expected_label || "—")));
    if (turn.feedback.good.length) card.appendChild(list("good", "做得好", turn.feedback.good));
    if (turn.feedback.missing.length) card.appendChild(list("missing", "需要改进", turn.feedback.missing));
    const recommended = element("p", "recommended");
    recommended.appendChild(element("strong", "", "参考话术："));
    recommended.appendChild(document.createTextNode(turn.recommended));
    card.appendChild(recommended);
    panel.insertBefore(card, panel.children[1] || null);
  }

  function showReport(report) {
    $("call").hidden = true;
    $("report").hidden = false;
    $("report-score").textContent = "总分 " + report.score.score + " / 100";
    $("report-outcome").textContent = "结果：" + report.outcome_label;
    const body = $("report-breakdown").querySelector("tbody");
    body.replaceChildren();
    for (const point of report.score.breakdown) {
      const row = element("tr");
      row.appendChild(element("td", "", point.title));
      row.appendChild(element("td", "", point.points + " / " + point.max));
      const notes = [...new Set(point.criteria.filter((c) => c.note && c.points < c.max).map((c) => c.note))];
      const cell = element("td", "", notes.join("；") || "✓");
      cell.appendChild(element("small", "quote", "依据：" + point.quote));
      row.appendChild(cell);
      body.appendChild(row);
    }
    const penalties = $("report-penalties");
    penalties.replaceChildren();
    for (const penalty of report.score.penalties) {
      penalties.appendChild(
        element("li", "", "第" + penalty.turn + "句 " + penalty.title + "「" + penalty.text + "」 −" + penalty.points)
      );
    }
    const transcript = $("report-transcript");
    transcript.replaceChildren();
    for (const line of report.transcript) {
      transcript.appendChild(element("li", line.role, (line.role === "customer" ? "客户：" : "我：") + line.text));
    }
    $("report").scrollIntoView({ block: "start" });
  }

  function startBody() {
    const mode = document.querySelector('input[name="mode"]:checked').value;
    const body = { exam: $("exam").checked };
    if (mode === "library") body.scenario = $("scenario").value;
    else if (mode === "random") body.random = true;
    else {
      for (const name of ["reason", "need", "difficulty", "temperament"]) body[name] = $(name).value;
    }
    return body;
  }

  $("start-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("setup-error");
    error.hidden = true;
    const button = event.submitter || $("start-form").querySelector("button");
    button.disabled = true;
    try {
      const call = await api("/api/practice/calls", startBody());
      callId = call.id;
      exam = call.exam;
      $("messages").replaceChildren();
      $("scenario-label").textContent = "场景：" + call.scenario;
      showProfile(call.customer);
      $("feedback").hidden = exam;
      $("toggle-panel").hidden = exam;
      $("setup").hidden = true;
      $("call").hidden = false;
      say("customer", call.line);
      $("reply").focus();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  async function send(text) {
    const status = $("status");
    const form = $("reply-form");
    form.querySelector("button").disabled = true;
    status.hidden = false;
    try {
      const turn = await api("/api/practice/calls/" + callId + "/replies", { text: text });
      if (!exam) showFeedback(turn);
      say("customer", turn.customer);
      if (turn.report) showReport(turn.report);
    } catch (failure) {
      say("system", failure.message);
    } finally {
      status.hidden = true;
      form.querySelector("button").disabled = false;
    }
  }

  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const field = $("reply");
    const text = field.value.trim();
    if (!text || callId === null) return;
    field.value = "";
    say("trainee", text);
    send(text);
  });

  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });

  $("end-call").addEventListener("click", async () => {
    if (callId === null) return;
    try {
      showReport(await api("/api/practice/calls/" + callId + "/end"));
    } catch (failure) {
      say("system", failure.message);
    }
  });

  $("toggle-panel").addEventListener("click", () => {
    const panel = $("feedback");
    panel.hidden = !panel.hidden;
    $("toggle-panel").textContent = panel.hidden ? "显示点评" : "隐藏点评";
    $("toggle-panel").setAttribute("aria-expanded", String(!panel.hidden));
  });

  $("again").addEventListener("click", () => {
    callId = null;
    $("report").hidden = true;
    $("setup").hidden = false;
    $("feedback").replaceChildren(element("h2", "", "实时点评"));
  });
})();
