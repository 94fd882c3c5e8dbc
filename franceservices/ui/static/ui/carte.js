// Carte Leaflet servie localement. Sans tuiles (hors ligne), on dessine les limites départementales du
// référentiel, de sorte que la carte reste lisible.
(function () {
  "use strict";
  var script = document.currentScript;
  function demarrer() {
    var conteneur = document.getElementById("carte");
    var source = document.getElementById("donnees-carte");
    if (!conteneur || !source || typeof L === "undefined") return;
    var donnees = JSON.parse(source.textContent);
    var carte = L.map(conteneur, { scrollWheelZoom: false, attributionControl: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(carte);
    if (script.dataset.tuiles) {
      L.tileLayer(script.dataset.tuiles, { attribution: script.dataset.attribution, maxZoom: 18 }).addTo(carte);
    }
    var points = [];
    if (donnees.centre && donnees.centre[0] !== null) points.push(donnees.centre);
    donnees.lieux.forEach(function (lieu) {
      if (lieu.lat === null) return;
      points.push([lieu.lat, lieu.lon]);
      var classe = lieu.type === "mediation" ? "fs-marqueur fs-marqueur--mediation" : "fs-marqueur";
      var icone = L.divIcon({ className: classe, html: String(lieu.rang), iconSize: [28, 28] });
      var marqueur = L.marker([lieu.lat, lieu.lon], { icon: icone, title: lieu.nom, alt: lieu.nom, keyboard: false }).addTo(carte);
      if (lieu.url) marqueur.on("click", function () { window.location.href = lieu.url; });
    });
    if (points.length > 1) carte.fitBounds(points, { padding: [24, 24], maxZoom: 13 });
    else if (points.length === 1) carte.setView(points[0], 10);
    else carte.setView([46.6, 2.4], 5);
    (donnees.departements || []).forEach(function (code) {
      fetch(script.dataset.contours.replace("XX", code))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (contour) {
          if (contour) L.geoJSON(contour, { interactive: false, style: { color: "#000091", weight: 2, fillOpacity: 0.04 } }).addTo(carte);
        })
        .catch(function () {});
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", demarrer);
  else demarrer();
})();
