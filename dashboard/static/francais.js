/* The texts Streamlit's frontend (1.67) writes in English, in French (issue 30, item 6): the file
   uploader's errors and labels read by screen readers, and the dialog shown when the server stops
   answering (a process restarted or killed). Streamlit has no setting for them (its issues #12661
   and #13500 ask for one). This script is static (no data, nothing fetched): it watches the page and
   rewrites exactly the English texts listed here, in text and in aria-label attributes. */
(function () {
  if (window.__pilotageFrancais) { return; }
  window.__pilotageFrancais = true;
  var SERVER_DOWN = "Le serveur du tableau de bord ne répond plus (redémarrage ou incident). La page se "
    + "reconnectera d'elle-même dès qu'il répondra ; sinon, rechargez-la dans quelques minutes : l'année et le "
    + "territoire choisis sont gardés dans l'adresse de la page.";
  var TEXTS = [
    [/^Error:$/, ""],  // the uploader writes « Error: » and the message in two texts
    [/^add icon$/, "ajouter"],  // read by screen readers (the icon itself, « add », is left alone)
    [/^Connection error$/, "Connexion au serveur perdue"],
    [/^Connection Error$/, "Connexion au serveur perdue"],
    [/^Streamlit server is not responding\. Are you connected to the internet\?$/, SERVER_DOWN],
    [/^Is Streamlit still running\?.*$/, SERVER_DOWN],
    [/^Connection timed out\.?$/, "La connexion au serveur a expiré : rechargez la page."],
    [/^Cannot connect to Streamlit \(HTTP status: (\d+)\)\.[\s\S]*$/,
      "Le serveur du tableau de bord refuse la connexion (code $1) : rechargez la page ; si cela dure, prévenez "
      + "l'équipe technique."],
    [/^(?:Error: )?File must be .* or smaller\.$/,
      "Erreur : le fichier dépasse 20 Mo, la limite d'un import. Découpez-le (par exemple par année scolaire) ou "
      + "importez-le avec la commande « python -m dashboard.importer »."],
    [/^(?:Error: )?.* files are not allowed\.$/,
      "Erreur : ce type de fichier n'est pas accepté (CSV, XLSX ou JSON seulement)."],
    [/^(?:Error: )?Only one file is allowed\.$/, "Erreur : un seul fichier à la fois."],
    [/^(?:Error: )?File size is too small\.$/, "Erreur : le fichier est vide."],
    [/^(?:Error: )?Request failed with status (?:code )?403\.?$/,
      "Envoi refusé : l'import de données est réservé au recteur et au CSAIO."],
    [/^(?:Error: )?Request failed with status (?:code )?(413)\.?$/,
      "Envoi refusé : le fichier dépasse 20 Mo, la limite d'un import."],
    [/^(?:Error: )?Request failed with status (?:code )?429\.?$/,
      "Envoi refusé : trop de fichiers envoyés ou en attente. Importez ou retirez le fichier en cours, puis "
      + "réessayez dans quelques minutes."],
    [/^(?:Error: )?Request failed with status (?:code )?(\d+)\.?$/,
      "Envoi impossible (code $1) : rechargez la page et réessayez."],
    [/^(?:Error: )?(?:Network Error|Network error|Failed to fetch)$/,
      "Envoi impossible : le serveur ne répond pas. Rechargez la page et réessayez."],
    [/^(?:Error: )?Unexpected error\. Please try again\.$/, "Erreur inattendue : réessayez."],
    [/^Drag and drop files? here$/, "Glissez-déposez un fichier ici"],
  ];
  var LABELS = [
    [/^Help for (.+)$/, "Aide : $1"],
    [/^Remove (.+)$/, "Retirer $1"],
    [/^Add files$/, "Ajouter un fichier"],
    [/^file upload$/, "Choisir un fichier à importer"],
    [/^Close$/, "Fermer"],
    [/^(.+), \d+(?:\.\d+)?[KMG]?B$/, "$1"],
  ];

  function translate(text, rules) {
    for (var i = 0; i < rules.length; i++) {
      if (rules[i][0].test(text)) { return text.replace(rules[i][0], rules[i][1]); }
    }
    return null;
  }

  function fixText(node) {
    var text = node.nodeValue;
    if (!text || !/[A-Za-z]/.test(text)) { return; }
    var french = translate(text.trim(), TEXTS);
    if (french !== null && french !== text) { node.nodeValue = french; }
  }

  function fixLabel(element) {
    var label = element.getAttribute("aria-label");
    if (!label) { return; }
    var french = translate(label, LABELS);
    if (french !== null && french !== label) { element.setAttribute("aria-label", french); }
  }

  function fixTree(root) {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1) { return; }
    if (root.hasAttribute("aria-label")) { fixLabel(root); }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) { fixText(walker.currentNode); }
    var labelled = root.querySelectorAll("[aria-label]");
    for (var i = 0; i < labelled.length; i++) { fixLabel(labelled[i]); }
  }

  var observer = new MutationObserver(function (mutations) {
    for (var i = 0; i < mutations.length; i++) {
      var m = mutations[i];
      if (m.type === "characterData") { fixText(m.target); }
      else if (m.type === "attributes") { fixLabel(m.target); }
      else { for (var j = 0; j < m.addedNodes.length; j++) { fixTree(m.addedNodes[j]); } }
    }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                                   attributeFilter: ["aria-label"]});
  fixTree(document.body);
})();
