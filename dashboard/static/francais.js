/* The texts Streamlit's frontend (1.67) writes in English, in French (issue 30, item 6): the file
   uploader's errors and labels read by screen readers, and the dialog shown when the server stops
   answering (a process restarted or killed). Streamlit has no setting for them (its issues #12661
   and #13500 ask for one). This script is static (no data, nothing fetched): it watches the page and
   rewrites exactly the English texts listed here, in text and in aria-label and title attributes.

   Accessibility (issue 28, RGAA 4.1): the same watch repairs what assistive technologies read —
   the menu's list structure (a section title between the items), names of controls (« ? » helps,
   heading anchors, the uploader's button, images without alt) and the status an icon carries in a
   link (icon meanings given by the app: window.__pilotageIcones). It only sets attributes, never
   moves or adds nodes. (Charts carry their own text alternative: dashboard/ui_charts.py.) */
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
    [/^Skip to main content$/, "Aller au contenu principal"],
    [/^Show\/hide columns$/, "Afficher ou masquer des colonnes"],
    [/^Download as CSV$/, "Télécharger en CSV"],
    [/^Search$/, "Rechercher"],
    [/^Fullscreen$/, "Plein écran"],
    [/^(?:Close|Exit) fullscreen$/, "Quitter le plein écran"],
    [/^Copy to clipboard$/, "Copier dans le presse-papiers"],
    [/^Copied to clipboard$/, "Copié dans le presse-papiers"],
    [/^Add row$/, "Ajouter une ligne"],
    [/^Delete row(s)?$/, "Supprimer la sélection"],
    [/^No results$/, "Aucun résultat"],
    [/^Select all$/, "Tout sélectionner"],
    [/^Select (\d+) matches$/, "Sélectionner les $1 résultats"],
    [/^Add: ([\s\S]*)$/, "Ajouter : $1"],
    [/^Copied!?$/, "Copié"],
    [/^Show data$/, "Afficher les données"],
    [/^View fullscreen$/, "Plein écran"],
  ];
  var LABELS = [
    [/^Help for (.+)$/, "Aide : $1"],
    [/^Remove (.+)$/, "Retirer $1"],
    [/^Add files$/, "Ajouter un fichier"],
    [/^file upload$/, "Choisir un fichier à importer"],
    [/^Close$/, "Fermer"],
    [/^(.+), \d+(?:\.\d+)?[KMG]?B$/, "$1"],
    [/^Skip to main content$/, "Aller au contenu principal"],
    [/^Sidebar$/, "Barre latérale"],
    [/^App pages$/, "Pages du tableau de bord"],
    [/^Collapse sidebar$/, "Replier la barre latérale"],
    [/^Expand sidebar$/, "Déplier la barre latérale"],
    [/^Open$/, "Ouvrir la liste"],
    [/^Clear all$/, "Tout retirer"],
    [/^Clear$/, "Effacer"],
    [/^Selected values$/, "Valeurs choisies"],
    [/^Show\/hide columns$/, "Afficher ou masquer des colonnes"],
    [/^Download as CSV$/, "Télécharger en CSV"],
    [/^Search$/, "Rechercher"],
    [/^Fullscreen: (.+)$/, "Plein écran : $1"],
    [/^Fullscreen$/, "Plein écran"],
    [/^(?:Close|Exit) fullscreen$/, "Quitter le plein écran"],
    [/^Copy to clipboard$/, "Copier dans le presse-papiers"],
    [/^Add row$/, "Ajouter une ligne"],
    [/^Delete row(s)?$/, "Supprimer la sélection"],
    [/^Map$/, "Carte"],
    [/^Toggle attribution$/, "Afficher les sources du fond de carte"],
    [/^Zoom in$/, "Zoomer"],
    [/^Zoom out$/, "Dézoomer"],
    [/^Reset bearing to north$/, "Réorienter vers le nord"],
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
    ["aria-label", "title"].forEach(function (attribute) {
      var label = element.getAttribute(attribute);
      if (!label) { return; }
      var french = translate(label, LABELS);
      if (french !== null && french !== label) { element.setAttribute(attribute, french); }
    });
  }

  // --- accessibility (issue 28) ---------------------------------------------------------------

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function setAttr(element, name, value) {
    if (element.getAttribute(name) !== value) { element.setAttribute(name, value); }
  }

  // The menu: Streamlit puts each section (a title, then its links) in a div inside the menu list. The
  // list becomes presentational, each section a list named by its title (read once, as the list's
  // name), so that every item is in a list and the list holds only items.
  function fixMenu() {
    var menu = document.querySelector("[data-testid=stSidebarNavItems]");
    if (!menu) { return; }
    var sections = [];
    for (var i = 0; i < menu.children.length; i++) {
      if (menu.children[i].tagName !== "LI") { sections.push(menu.children[i]); }
    }
    if (!sections.length) { return; }
    setAttr(menu, "role", "none");
    sections.forEach(function (section) {
      var header = section.querySelector("[data-testid=stNavSectionHeader]");
      setAttr(section, "role", "list");
      if (header) {
        setAttr(section, "aria-label", ownText(header));
        setAttr(header, "aria-hidden", "true");
      }
    });
    var loose = [];
    for (var j = 0; j < menu.children.length; j++) {
      if (menu.children[j].tagName === "LI") { loose.push(menu.children[j]); }
    }
    if (loose.length) { setAttr(menu, "role", "list"); }  // no section: the menu stays the list
  }

  // The text an element shows without its buttons (a « ? » help next to a title).
  function ownText(element) {
    var copy = element.cloneNode(true);
    var inner = copy.querySelectorAll("button, [data-testid=stTooltipIcon], [aria-hidden=true]");
    for (var i = 0; i < inner.length; i++) { inner[i].remove(); }
    return text(copy);
  }

  function fixNames() {
    var helps = document.querySelectorAll("button[aria-label=Help], [role=button][aria-label=Help]");
    for (var i = 0; i < helps.length; i++) {
      var what = "";
      for (var holder = helps[i].parentElement; holder && !what; holder = holder.parentElement) {
        if (holder.matches("[data-testid=stMarkdownContainer], [data-testid=stElementContainer]")) {
          what = ownText(holder);
          break;
        }
        what = ownText(holder);
      }
      setAttr(helps[i], "aria-label", what ? "Aide : " + what : "Aide");
    }
    var anchors = document.querySelectorAll("[data-testid=stHeaderActionElements] a");
    for (var j = 0; j < anchors.length; j++) {
      var heading = anchors[j].closest("h1, h2, h3, h4, h5, h6");
      var title = heading ? ownText(heading) : "";
      setAttr(anchors[j], "aria-label", title ? "Lien vers la section « " + title + " »" : "Lien vers cette section");
    }
    var uploads = document.querySelectorAll("[data-testid=stFileUploaderDropzone] button");
    for (var k = 0; k < uploads.length; k++) {
      if (!uploads[k].getAttribute("aria-label")) { setAttr(uploads[k], "aria-label", "Choisir un fichier"); }
    }
    var images = document.querySelectorAll("[data-testid=stImage] img:not([alt]), [data-testid=stImageContainer] img:not([alt])");
    for (var m = 0; m < images.length; m++) {
      var figure = images[m].closest("[data-testid=stImage], .stImage");
      var caption = figure ? figure.querySelector("[data-testid=stImageCaption], [data-testid=caption]") : null;
      images[m].setAttribute("alt", caption ? text(caption) : "");
    }
  }

  // The status an icon carries (« close » next to a network's name: objective not reached): said in
  // words in the name of the link or button it sits in. The meanings come from the app.
  function fixIcons() {
    var meanings = window.__pilotageIcones || {};
    var icons = document.querySelectorAll("a[data-testid=stPageLink-NavLink] [data-testid=stIconMaterial]");
    for (var i = 0; i < icons.length; i++) {
      var meaning = meanings[text(icons[i])];
      if (!meaning) { continue; }
      var control = icons[i].closest("a");
      var label = ownText(control);
      if (label) { setAttr(control, "aria-label", label + " (" + meaning + ")"); }
    }
  }

  // A chart named by its text alternative (Streamlit's role « figure » and alt): its drawing is not
  // read a second time, label by label.
  function fixCharts() {
    var drawings = document.querySelectorAll("[data-testid=stPlotlyChart][aria-label] .main-svg, "
      + "[data-testid=stPlotlyChart][aria-label] canvas");
    for (var i = 0; i < drawings.length; i++) { setAttr(drawings[i], "aria-hidden", "true"); }
    var tester = document.getElementById("js-plotly-tester");  // Plotly's off-screen measuring drawing
    if (tester) { setAttr(tester, "aria-hidden", "true"); }
  }

  // A wide Markdown table or code block (Méthodologie's example of a correspondence) scrolls on its
  // own on a narrow screen (pilotage.css, Streamlit's code blocks): reachable with the keyboard then,
  // so that its hidden part can be scrolled into view with the arrows (WCAG 2.1.1). Its widths are read
  // when the browser has just laid it out (a ResizeObserver's report: on first drawing, when its section
  // is opened, and whenever its box or its content's width change), never in the middle of a repair,
  // which would make the browser lay the page out again at each change of the page (0,1 s on
  // Méthodologie's first drawing).
  var BLOCKS = "table, pre";
  function fixScrollable(element) {
    if (element.scrollWidth > element.clientWidth + 1) {
      setAttr(element, "tabindex", "0");
    } else if (element.getAttribute("tabindex") === "0") {
      element.removeAttribute("tabindex");
    }
  }
  var watchedScrollables = new WeakSet();
  var scrollableSizes = new ResizeObserver(function (entries) {
    for (var i = 0; i < entries.length; i++) { fixScrollable(entries[i].target.closest(BLOCKS)); }
  });
  function fixScrollables() {
    var elements = document.querySelectorAll("[data-testid=stMarkdownContainer] :is(" + BLOCKS + ")");
    for (var i = 0; i < elements.length; i++) {
      if (watchedScrollables.has(elements[i])) { continue; }
      watchedScrollables.add(elements[i]);
      scrollableSizes.observe(elements[i]);
      for (var j = 0; j < elements[i].children.length; j++) { scrollableSizes.observe(elements[i].children[j]); }
    }
  }

  // « Copier le lien » (issue 25, item 7): the button copies the link shown beside it (a code block
  // in the container keyed « lien_partage ») to the clipboard, offline; the page then says so. The
  // Clipboard API needs a secure context (HTTPS or localhost): elsewhere a hidden text area is copied.
  function legacyCopy(value) {
    var area = document.createElement("textarea");
    area.value = value;
    area.setAttribute("readonly", "");
    area.setAttribute("aria-hidden", "true");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
  }
  function copyText(value) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).catch(function () { legacyCopy(value); });
    } else {
      legacyCopy(value);
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest(".st-key-copier_lien button") : null;
    if (!button) { return; }
    var shown = document.querySelector(".st-key-lien_partage code");
    copyText(shown ? shown.textContent.trim() : window.location.href);
  }, true);

  var scheduled = false;
  function repair() {
    scheduled = false;
    fixMenu();
    fixNames();
    fixIcons();
    fixCharts();
    fixScrollables();
  }
  function scheduleRepair() {
    if (!scheduled) { scheduled = true; window.requestAnimationFrame(repair); }
  }

  function fixTree(root) {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1) { return; }
    if (root.hasAttribute("aria-label")) { fixLabel(root); }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) { fixText(walker.currentNode); }
    if (root.hasAttribute("title")) { fixLabel(root); }
    var labelled = root.querySelectorAll("[aria-label], [title]");
    for (var i = 0; i < labelled.length; i++) { fixLabel(labelled[i]); }
  }

  var observer = new MutationObserver(function (mutations) {
    scheduleRepair();
    for (var i = 0; i < mutations.length; i++) {
      var m = mutations[i];
      if (m.type === "characterData") { fixText(m.target); }
      else if (m.type === "attributes") { fixLabel(m.target); }
      else { for (var j = 0; j < m.addedNodes.length; j++) { fixTree(m.addedNodes[j]); } }
    }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                                   attributeFilter: ["aria-label", "title"]});
  fixTree(document.body);
  window.addEventListener("resize", scheduleRepair);
  repair();
})();
