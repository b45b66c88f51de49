"""The default breakdown of the académie de Poitiers into PSAD and FOQUALE networks (docs/architecture.md, "The default breakdown"):
read by the build of the geography (``geodata.build``) and by the map (each network's seat)."""

# (dep, psad_code, psad_nom, reseau_code, reseau_nom, seat insee) — docs/architecture.md, "The default breakdown"
NETWORKS = [
    ("16", "P16-ANG", "Angoulême", "R16-ANG", "Angoulême", "16015"),
    ("16", "P16-ANG", "Angoulême", "R16-NCH", "Nord-Charente", "16292"),
    ("16", "P16-COG", "Cognac", "R16-COG", "Cognac", "16102"),
    ("17", "P17-LRO", "La Rochelle", "R17-LRO", "La Rochelle", "17300"),
    ("17", "P17-ROC", "Rochefort", "R17-ROC", "Rochefort–Marennes-Oléron", "17299"),
    ("17", "P17-SAI", "Saintes", "R17-SAI", "Saintes", "17415"),
    ("17", "P17-SAI", "Saintes", "R17-SJA", "Saint-Jean-d'Angély", "17347"),
    ("17", "P17-RJO", "Royan–Jonzac", "R17-ROY", "Royan", "17306"),
    ("17", "P17-RJO", "Royan–Jonzac", "R17-JON", "Haute-Saintonge", "17197"),
    ("79", "P79-NIO", "Niort", "R79-NIO", "Niort", "79191"),
    ("79", "P79-BRE", "Bressuire", "R79-BRE", "Nord Deux-Sèvres", "79049"),
    ("86", "P86-POI", "Poitiers", "R86-POI", "Poitiers", "86194"),
    ("86", "P86-POI", "Poitiers", "R86-SVI", "Sud-Vienne", "86165"),
    ("86", "P86-CHA", "Châtellerault", "R86-CHA", "Châtellerault", "86066"),
]
