// Decision-tree guides, stepped within one page. Without JavaScript the same guide works
// with plain links between anchored questions (see rutinebok.css); this script hides all
// but the current question, lists the answers given so far, and lets the reader change one.
// Each answer is a browser history entry: Back returns to the previous question, Forward
// comes back, and the answers given so far travel with the entry.
(function () {
  "use strict";

  function setup(guide) {
    var nodes = {};
    guide.querySelectorAll(".rb-node").forEach(function (el) { nodes[el.id] = el; });
    var start = guide.getAttribute("data-start");
    var answers = guide.querySelector(".rb-guide__answers");
    var path = []; // [{id, answer}] questions answered so far
    guide.classList.add("rb-guide--js");

    function questionText(id) {
      var h = nodes[id] && nodes[id].querySelector(".rb-node__title");
      return h ? h.textContent.trim() : id;
    }

    function renderAnswers() {
      answers.innerHTML = "";
      if (!path.length) return;
      var heading = document.createElement("h2");
      heading.className = "rb-guide__answers-title";
      heading.textContent = "Dine svar";
      var list = document.createElement("ol");
      path.forEach(function (step, index) {
        var item = document.createElement("li");
        var q = document.createElement("span");
        q.className = "rb-guide__q";
        q.textContent = questionText(step.id) + " ";
        var a = document.createElement("strong");
        a.textContent = step.answer;
        var change = document.createElement("button");
        change.type = "button";
        change.className = "md-button rb-change";
        change.textContent = "Endre";
        change.setAttribute("aria-label", "Endre svaret på: " + questionText(step.id));
        change.addEventListener("click", function () {
          var id = path[index].id;
          path = path.slice(0, index);
          show(id, true, "push");
        });
        item.appendChild(q);
        item.appendChild(a);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(change);
        list.appendChild(item);
      });
      answers.appendChild(heading);
      answers.appendChild(list);
    }

    function show(id, focus, mode) {
      if (!nodes[id]) id = start;
      Object.keys(nodes).forEach(function (key) { nodes[key].hidden = key !== id; });
      renderAnswers();
      var state = { rbGuide: start, id: id, path: path.slice() };
      if (mode === "push" && history.pushState) history.pushState(state, "", "#" + id);
      else if (mode === "replace" && history.replaceState) history.replaceState(state, "", "#" + id);
      if (focus) {
        var title = nodes[id].querySelector(".rb-node__title");
        if (title) title.focus();
      }
    }

    guide.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || !guide.contains(link)) return;
      var current = link.closest(".rb-node");
      if (link.classList.contains("rb-option")) {
        event.preventDefault();
        path.push({ id: current.id, answer: link.textContent.trim() });
        show(link.getAttribute("data-next"), true, "push");
      } else if (link.classList.contains("rb-restart")) {
        event.preventDefault();
        path = [];
        show(start, true, "push");
      } else if (link.classList.contains("rb-back")) {
        event.preventDefault();
        if (path.length && history.state && history.state.rbGuide === start) {
          history.back(); // the same as the browser's Back: one history entry per answer
        } else {
          var previous = path.pop();
          show(previous ? previous.id : start, true, "replace");
        }
      }
    });

    window.addEventListener("popstate", function (event) {
      var state = event.state;
      if (state && state.rbGuide === start) {
        path = state.path.slice();
        show(state.id, true, null);
        return;
      }
      // A plain #anchor (no state): show that question, keeping the answers that led to it.
      var id = decodeURIComponent(location.hash.slice(1));
      if (!nodes[id]) id = start;
      var at = -1;
      path.forEach(function (step, i) { if (step.id === id && at < 0) at = i; });
      path = at >= 0 ? path.slice(0, at) : (id === start ? [] : path);
      show(id, true, "replace");
    });

    // A search result may link to a heading inside a node: show the node that holds it.
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    var holder = target && target.closest ? target.closest(".rb-node") : null;
    var restored = history.state && history.state.rbGuide === start ? history.state : null;
    if (restored) path = restored.path.slice();
    show(restored ? restored.id : (holder && nodes[holder.id] ? holder.id : start), false, "replace");
  }

  document.querySelectorAll(".rb-guide").forEach(setup);
})();
