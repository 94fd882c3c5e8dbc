// Saisie d'une visite : envoi par fetch (réponse JSON), lignes ajoutées côté client, et connexion fragile :
// chaque visite est d'abord gardée sur ce poste (localStorage), puis retirée une fois enregistrée. En cas
// de coupure ou d'erreur du serveur, elle est renvoyée automatiquement (délai croissant, et dès le retour
// du réseau). Le serveur n'enregistre qu'une fois chaque demande (clé de soumission « cle_client »).
// Sans script, le formulaire s'envoie normalement.
(function () {
  "use strict";
  var form = document.querySelector("form[data-saisie]");
  if (!form || !window.fetch || !window.FormData) return;

  var CLE = "franceservices.activite.attente." + (form.dataset.utilisateur || "");
  var MAX_LIGNES = 20;
  var lignes = form.querySelector("[data-lignes]");
  var modele = document.querySelector("template[data-modele]");
  var total = form.querySelector("[name=demandes-TOTAL_FORMS]");
  var bandeau = document.querySelector("[data-attente]");
  var bandeauTexte = document.querySelector("[data-attente-texte]");
  var annonce = document.querySelector("[data-annonce]");
  var boutonRenvoyer = document.querySelector("[data-renvoyer]");
  var boutonAbandonner = document.querySelector("[data-abandonner]");
  var donneesDemarches = document.getElementById("demarches-donnees");
  var correspondances = donneesDemarches ? JSON.parse(donneesDemarches.textContent) : {};
  var DELAI_INITIAL = 2000, DELAI_MAX = 60000;
  var delai = DELAI_INITIAL, minuterie = null, renvoiEnCours = false, envoiEnCours = false, finEnvoi = 0;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var o = crypto.getRandomValues(new Uint8Array(16));
    o[6] = (o[6] & 15) | 64; o[8] = (o[8] & 63) | 128;
    var h = Array.prototype.map.call(o, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function maintenantLocal() {
    var d = new Date(), p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  // — File d'attente locale —

  function lire() {
    try { return JSON.parse(window.localStorage.getItem(CLE)) || []; } catch (e) { return []; }
  }

  function ecrire(file) {
    try {
      if (file.length) window.localStorage.setItem(CLE, JSON.stringify(file));
      else window.localStorage.removeItem(CLE);
    } catch (e) { /* stockage plein ou interdit : le bandeau le dit */ }
    afficherAttente();
  }

  function retirerDeLaFile(id) {
    ecrire(lire().filter(function (v) { return v.id !== id; }));
  }

  function pluriel(n, un, plusieurs) { return n + " " + (n > 1 ? plusieurs : un); }

  function afficherAttente() {
    if (!bandeau) return;
    var file = lire();
    var attente = file.filter(function (v) { return !v.refus; }).length;
    var refusees = file.filter(function (v) { return v.refus; });
    var textes = [];
    if (attente) {
      textes.push(pluriel(attente, "visite en attente d'envoi", "visites en attente d'envoi") +
        " : gardée" + (attente > 1 ? "s" : "") + " sur ce poste, renvoyée" + (attente > 1 ? "s" : "") +
        " automatiquement dès que la connexion revient.");
    }
    if (refusees.length) {
      textes.push(pluriel(refusees.length, "visite gardée refusée", "visites gardées refusées") + " par le serveur : " +
        refusees.map(function (v) { return v.refus; }).join(" ; ") + " Saisissez-la à nouveau, puis abandonnez-la.");
    }
    bandeauTexte.textContent = textes.join(" ");
    bandeau.hidden = textes.length === 0;
    if (boutonRenvoyer) boutonRenvoyer.hidden = attente === 0;
    if (boutonAbandonner) boutonAbandonner.hidden = refusees.length === 0;
  }

  // Commune de résidence : suggestions (liste native du champ) depuis l'API des communes ; « Nom (code INSEE) ».
  var communes = document.getElementById("communes-suggestions");
  var champCommune = form.elements.commune;
  if (communes && champCommune) {
    var minuteurCommune = null;
    champCommune.addEventListener("input", function () {
      var q = champCommune.value.trim();
      clearTimeout(minuteurCommune);
      if (q.length < 2 || /\(\w{5}\)$/.test(q)) return;
      minuteurCommune = setTimeout(function () {
        fetch(communes.dataset.api + "?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (liste) {
            if (champCommune.value.trim() !== q) return;
            communes.textContent = "";
            liste.forEach(function (c) {
              var option = document.createElement("option");
              option.value = c.nom + " (" + c.code_insee + ")";
              option.label = (c.codes_postaux[0] || "") + " · " + c.departement_nom;
              communes.appendChild(option);
            });
          })
          .catch(function () { /* sans suggestions, la saisie libre reste possible */ });
      }, 200);
    });
  }

  function annoncer(texte, type) {
    annonce.textContent = "";
    var bloc = document.createElement("div");
    bloc.className = "fr-alert fr-alert--" + (type || "success") + " fr-alert--sm";
    var p = document.createElement("p");
    p.textContent = texte;
    bloc.appendChild(p);
    annonce.appendChild(bloc);
  }

  // — Envoi —

  function jeton() {
    var champ = form.querySelector("[name=csrfmiddlewaretoken]");
    return champ ? champ.value : "";
  }

  function envoyer(visite, avecMoment) {
    var donnees = new FormData();
    visite.champs.forEach(function (paire) {
      var valeur = paire[1];
      if (paire[0] === "date_heure" && !valeur && avecMoment) valeur = visite.moment;
      donnees.append(paire[0], valeur);
    });
    return fetch(form.action, {
      method: "POST",
      body: donnees,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": jeton() }
    }).then(function (r) {
      if (r.status === 201) return r.json().then(function (j) { return { etat: "ok", json: j }; });
      if (r.status === 400) return r.json().then(function (j) { return { etat: "refus", json: j }; });
      return { etat: "attente" };  // 5xx, session expirée, soumission concurrente : on réessaiera
    }, function () { return { etat: "attente" }; });
  }

  function texteEnregistrees(j) {
    var n = j.enregistrees + j.deja_enregistrees;
    return pluriel(n, "demande enregistrée.", "demandes enregistrées.");
  }

  function resumeErreurs(j) {
    var erreurs = (j && j.erreurs) || {};
    return Object.keys(erreurs).map(function (k) { return erreurs[k].join(" "); }).join(" ") || "données refusées.";
  }

  function planifier() {
    clearTimeout(minuterie);
    minuterie = setTimeout(renvoyer, delai);
    delai = Math.min(delai * 2, DELAI_MAX);
  }

  function renvoyer() {
    if (renvoiEnCours) return;
    var file = lire().filter(function (v) { return !v.refus; });
    if (!file.length) return;
    renvoiEnCours = true;
    clearTimeout(minuterie);
    var envoyees = 0;
    var suivante = function (i) {
      if (i >= file.length) {
        renvoiEnCours = false;
        delai = DELAI_INITIAL;
        if (envoyees) annoncer(pluriel(envoyees, "visite gardée envoyée : ", "visites gardées envoyées : ") + "elles sont enregistrées.");
        afficherAttente();
        return;
      }
      var visite = file[i];
      envoyer(visite, true).then(function (r) {
        if (r.etat === "ok") {
          envoyees += 1;
          retirerDeLaFile(visite.id);
          suivante(i + 1);
        } else if (r.etat === "refus") {
          ecrire(lire().map(function (v) { if (v.id === visite.id) v.refus = resumeErreurs(r.json); return v; }));
          suivante(i + 1);
        } else {
          renvoiEnCours = false;
          planifier();
        }
      });
    };
    suivante(0);
  }

  // — Lignes de la visite —

  var MOTIF = /demandes-(?:\d+|__prefix__)(?!\w)/g;
  var ATTRIBUTS = ["name", "id", "for", "aria-labelledby", "aria-describedby"];

  function blocs() { return lignes.querySelectorAll("[data-ligne]"); }

  function renumeroter() {
    var liste = blocs();
    Array.prototype.forEach.call(liste, function (bloc, i) {
      var elements = [bloc].concat(Array.prototype.slice.call(bloc.querySelectorAll("*")));
      elements.forEach(function (el) {
        ATTRIBUTS.forEach(function (a) {
          var v = el.getAttribute(a);
          if (v && v.indexOf("demandes-") !== -1) el.setAttribute(a, v.replace(MOTIF, "demandes-" + i));
        });
      });
      bloc.querySelector("[data-legende]").textContent = "Demande " + (i + 1);
      bloc.querySelectorAll("[data-numero]").forEach(function (el) { el.textContent = String(i + 1); });
      bloc.querySelector("[data-retirer-zone]").hidden = liste.length < 2;
    });
    total.value = String(liste.length);
  }

  function premierChamp(bloc) {
    return bloc.querySelector("[data-rapide]") || bloc.querySelector("select[name$=demarche_catalogue]");
  }

  function nouveauBloc() {
    var fragment = modele.content.cloneNode(true);
    var bloc = fragment.querySelector("[data-ligne]");
    bloc.querySelector("[name$=cle_client]").value = uuid();
    bloc.querySelectorAll("[autofocus]").forEach(function (el) { el.removeAttribute("autofocus"); });
    lignes.appendChild(fragment);
    renumeroter();
    return bloc;
  }

  function ajouter() {
    if (blocs().length >= MAX_LIGNES) {
      annoncer("Une visite compte au plus " + MAX_LIGNES + " demandes.", "warning");
      return;
    }
    premierChamp(nouveauBloc()).focus();
  }

  function reinitialiser() {
    lignes.textContent = "";
    var bloc = nouveauBloc();
    ["date_heure", "tranche_age", "sexe", "commune", "premiere_visite", "autonomie"].forEach(function (nom) {
      var champ = form.elements[nom];
      if (champ) champ.value = "";
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var resume = document.querySelector("[data-erreurs]");
    if (resume) resume.remove();
    premierChamp(bloc).focus();
  }

  function remplirDepuisDemarche(bloc, pk) {
    var c = correspondances[pk];
    if (!c) return;
    var partenaire = bloc.querySelector("select[name$=-partenaire]");
    var theme = bloc.querySelector("select[name$=-theme]");
    if (partenaire) partenaire.value = String(c[0]);
    if (theme) theme.value = c[1];
  }

  lignes.addEventListener("change", function (e) {
    var bloc = e.target.closest("[data-ligne]");
    if (!bloc) return;
    if (e.target.matches("[data-rapide]") && e.target.value) {
      var catalogue = bloc.querySelector("select[name$=demarche_catalogue]");
      if (catalogue) catalogue.value = "";
      remplirDepuisDemarche(bloc, e.target.value);
    } else if (e.target.matches("select[name$=demarche_catalogue]") && e.target.value) {
      var autre = bloc.querySelector("[data-rapide][value='']");
      if (autre) autre.checked = true;
      remplirDepuisDemarche(bloc, e.target.value);
    }
  });

  lignes.addEventListener("click", function (e) {
    var bouton = e.target.closest("[data-retirer]");
    if (!bouton) return;
    var bloc = bouton.closest("[data-ligne]");
    var suivant = bloc.nextElementSibling || bloc.previousElementSibling;
    bloc.remove();
    renumeroter();
    if (suivant) premierChamp(suivant).focus();
  });

  form.addEventListener("submit", function (e) {
    var bouton = e.submitter;
    e.preventDefault();
    if (bouton && bouton.name === "ajouter") { ajouter(); return; }
    // Double clic : une seule soumission (pendant l'envoi, et juste après sur le formulaire remis à zéro).
    if (envoiEnCours || Date.now() - finEnvoi < 800) return;
    envoiEnCours = true;
    var champs = [];
    new FormData(form).forEach(function (valeur, nom) {
      if (nom !== "csrfmiddlewaretoken" && nom !== "ajouter") champs.push([nom, valeur]);
    });
    var visite = { id: uuid(), moment: maintenantLocal(), champs: champs };
    var file = lire();
    file.push(visite);
    ecrire(file);  // gardée avant l'envoi : rien ne se perd si l'onglet se ferme
    envoyer(visite, false).then(function (r) {
      envoiEnCours = false;
      finEnvoi = Date.now();
      if (r.etat === "ok") {
        retirerDeLaFile(visite.id);
        reinitialiser();
        annoncer(texteEnregistrees(r.json));
      } else if (r.etat === "refus") {
        // Erreurs de saisie : le serveur réaffiche la page avec chaque erreur sous son champ.
        retirerDeLaFile(visite.id);
        form.submit();
      } else {
        reinitialiser();
        annoncer("Connexion impossible : la visite est gardée sur ce poste et sera renvoyée automatiquement.", "warning");
        planifier();
      }
    });
  });

  if (boutonRenvoyer) boutonRenvoyer.addEventListener("click", function () { delai = DELAI_INITIAL; renvoyer(); });
  if (boutonAbandonner) {
    boutonAbandonner.addEventListener("click", function () {
      ecrire(lire().filter(function (v) { return !v.refus; }));
    });
  }
  window.addEventListener("online", function () { delai = DELAI_INITIAL; renvoyer(); });
  window.addEventListener("storage", function (e) { if (e.key === CLE) afficherAttente(); });
  renumeroter();
  afficherAttente();
  renvoyer();
})();
