// Decision-tree guides, stepped within one page. Without JavaScript the same guide works
// with plain links between anchored questions (see rutinebok.css); this script hides all
// but the current question, lists the answers given so far, and lets the reader change one.
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
          show(id, true);
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

    function show(id, focus) {
      if (!nodes[id]) id = start;
      Object.keys(nodes).forEach(function (key) { nodes[key].hidden = key !== id; });
      renderAnswers();
      if (history.replaceState) history.replaceState(null, "", "#" + id);
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
        show(link.getAttribute("data-next"), true);
      } else if (link.classList.contains("rb-restart")) {
        event.preventDefault();
        path = [];
        show(start, true);
      } else if (link.classList.contains("rb-back")) {
        event.preventDefault();
        var previous = path.pop();
        show(previous ? previous.id : start, true);
      }
    });

    // A search result may link to a heading inside a node: show the node that holds it.
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    var holder = target && target.closest ? target.closest(".rb-node") : null;
    show(holder && nodes[holder.id] ? holder.id : start, false);
  }

  document.querySelectorAll(".rb-guide").forEach(setup);
})();
