// Champ de recherche de commune avec suggestions (motif « combobox » ARIA 1.2), et géolocalisation.
(function () {
  "use strict";
  document.querySelectorAll("[data-combobox]").forEach(function (bloc) {
    var champ = bloc.querySelector("[role=combobox]");
    var liste = bloc.querySelector("[role=listbox]");
    var code = bloc.querySelector("[data-combobox-code]");
    var annonce = bloc.querySelector("[data-combobox-annonce]");
    var actif = -1, options = [], minuteur = null, derniere = "";

    function fermer() {
      liste.hidden = true; liste.innerHTML = ""; options = []; actif = -1;
      champ.setAttribute("aria-expanded", "false"); champ.removeAttribute("aria-activedescendant");
    }
    function activer(i) {
      options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      actif = i;
      if (i >= 0) { champ.setAttribute("aria-activedescendant", options[i].id); options[i].scrollIntoView({ block: "nearest" }); }
      else { champ.removeAttribute("aria-activedescendant"); }
    }
    function choisir(i) {
      var o = options[i];
      champ.value = o.dataset.nom; code.value = o.dataset.code; fermer();
      champ.form.requestSubmit ? champ.form.requestSubmit() : champ.form.submit();
    }
    function afficher(communes) {
      liste.innerHTML = ""; options = [];
      communes.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = "suggestion-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.dataset.nom = c.nom; li.dataset.code = c.code_insee;
        li.textContent = c.nom + " ";
        var detail = document.createElement("span"); detail.className = "fs-combobox__detail";
        detail.textContent = "(" + (c.codes_postaux[0] || c.code_insee) + " · " + c.departement_nom + ")";
        li.appendChild(detail);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choisir(i); });
        liste.appendChild(li); options.push(li);
      });
      var n = communes.length;
      annonce.textContent = n ? n + " suggestion" + (n > 1 ? "s" : "") + ", flèches haut et bas pour parcourir" : "Aucune commune suggérée";
      liste.hidden = n === 0; champ.setAttribute("aria-expanded", n ? "true" : "false"); actif = -1;
    }
    champ.addEventListener("input", function () {
      code.value = "";
      var q = champ.value.trim();
      clearTimeout(minuteur);
      if (q.length < 2) { fermer(); return; }
      minuteur = setTimeout(function () {
        derniere = q;
        fetch(champ.dataset.api + "?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (communes) { if (derniere === champ.value.trim()) afficher(communes); })
          .catch(function () { fermer(); });
      }, 150);
    });
    champ.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && options.length) { e.preventDefault(); activer((actif + 1) % options.length); }
      else if (e.key === "ArrowUp" && options.length) { e.preventDefault(); activer(actif <= 0 ? options.length - 1 : actif - 1); }
      else if (e.key === "Enter" && actif >= 0) { e.preventDefault(); choisir(actif); }
      else if (e.key === "Escape") { fermer(); }
    });
    champ.addEventListener("blur", function () { setTimeout(fermer, 100); });
  });

  document.querySelectorAll("[data-geolocaliser]").forEach(function (bouton) {
    if (!("geolocation" in navigator)) return;
    bouton.hidden = false;
    var form = bouton.form, message = form.querySelector("[data-geo-message]");
    bouton.addEventListener("click", function () {
      message.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[data-geo-lat]").value = pos.coords.latitude.toFixed(5);
        form.querySelector("[data-geo-lon]").value = pos.coords.longitude.toFixed(5);
        form.querySelector("[role=combobox]").value = "";
        form.querySelector("[data-combobox-code]").value = "";
        form.submit();
      }, function () {
        message.textContent = "Votre position n'a pas pu être obtenue : saisissez votre commune.";
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });
})();
