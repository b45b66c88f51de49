"""A directory shaped like the ministry's Annuaire de l'éducation, generated (tests and `make bench`)."""

from __future__ import annotations

ANNUAIRE_COLUMNS = (
    "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Adresse_1;Adresse_2;"
    "Adresse_3;Code postal;Code_commune;Nom_commune;Code_departement;Code_academie;Code_region;Ecole_maternelle;"
    "Ecole_elementaire;Voie_generale;Voie_technologique;Voie_professionnelle;Telephone;Fax;Web;Mail;Restauration;"
    "Hebergement;ULIS;Apprentissage;Segpa;Section_arts;Section_cinema;Section_theatre;Section_sport;"
    "Section_internationale;Section_europeenne;Lycee_Agricole;Lycee_militaire;Lycee_des_metiers;Post_BAC;"
    "Appartenance_Education_Prioritaire;GRETA;SIREN_SIRET;Nombre_d_eleves;Fiche_onisep;position;"
    "Type_contrat_prive;Libelle_departement;Libelle_academie;Libelle_region;coordonnee_X;coordonnee_Y;epsg;"
    "nom_circonscription;latitude;longitude;precision_localisation;date_ouverture;date_maj_ligne;etat;"
    "ministere_tutelle;etablissement_multi_lignes;rpi_concentre;rpi_disperse;code_nature;libelle_nature;"
    "Code_type_contrat_prive;PIAL;etablissement_mere;type_rattachement_etablissement_mere;code_bassin_formation;"
    "libelle_bassin_formation"
).split(";")
NATURES = (("340", "COLLEGE", "Collège"), ("300", "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE", "Lycée"),
           ("320", "LYCEE PROFESSIONNEL", "Lycée"), ("306", "LYCEE POLYVALENT", "Lycée"),
           ("151", "ECOLE DE NIVEAU ELEMENTAIRE", "Ecole"), ("101", "ECOLE MATERNELLE", "Ecole"),
           ("841", "CENTRE D INFORMATION ET D ORIENTATION", "Information et orientation"))


def national_directory(rows: int, communes: list[str]) -> tuple[bytes, int]:
    """A directory shaped like the Annuaire (69 columns), a few hundred rows in the académie."""
    from dashboard import uai

    departments = [f"{d:02d}" for d in range(1, 96) if d != 20]
    lines = [";".join(ANNUAIRE_COLUMNS)]
    inside = 0
    index = {c: i for i, c in enumerate(ANNUAIRE_COLUMNS)}
    numbers: dict[str, int] = {}
    for n in range(rows):
        values = [""] * len(ANNUAIRE_COLUMNS)
        if n % 150 == 0:
            commune = communes[(n // 150) % len(communes)]
            department = commune[:2]
            code, label, kind = NATURES[(n // 150) % 4]
            inside += 1
        else:
            department = departments[n % len(departments)]
            if department in ("16", "17", "79", "86"):
                department = "35"
            commune = f"{department}{n % 900 + 1:03d}"
            code, label, kind = NATURES[n % len(NATURES)]
        numbers[department] = numbers.get(department, 0) + 1
        values[index["Identifiant_de_l_etablissement"]] = uai.make_uai(f"{department.zfill(3)}{numbers[department]:04d}")
        values[index["Nom_etablissement"]] = f"{kind} numéro {n}"
        values[index["Type_etablissement"]] = kind
        values[index["Statut_public_prive"]] = "Public" if n % 3 else "Privé"
        values[index["Code_commune"]] = commune
        values[index["Code_departement"]] = department.zfill(3)
        values[index["Code postal"]] = f"{commune[:2]}000"
        values[index["Nom_commune"]] = f"Commune {commune}"
        values[index["etat"]] = "OUVERT"
        values[index["code_nature"]] = code
        values[index["libelle_nature"]] = label
        values[index["ministere_tutelle"]] = "MINISTERE DE L'EDUCATION NATIONALE"
        values[index["Type_contrat_prive"]] = "SANS OBJET" if n % 3 else "CONTRAT D'ASSOCIATION TOUTES CLASSES"
        values[index["Appartenance_Education_Prioritaire"]] = "REP" if n % 17 == 0 else ""
        values[index["Telephone"]] = "05 49 00 00 00"
        values[index["Mail"]] = f"ce.{n}@ac-exemple.fr"
        values[index["position"]] = "46.58, 0.34"
        values[index["latitude"]], values[index["longitude"]] = "46.58", "0.34"
        values[index["date_ouverture"]] = "1965-05-01"
        lines.append(";".join(values))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"), inside
