"""The demo downtown as data: Altstadt Beispielstadt, a made-up old town.

Six scenes (four along the Marktgasse, 15 m apart, two on the Marktplatz), five shops with
their profiles, logos and sign boards, three landmarks with info hotspots and one published
tour. Texts are in the four content languages. Every slug starts with ``demo-``: the loader
resets what it finds under its slugs, and a real city's ``marktplatz`` must never be one.
Positions are metres in the plan of ``demo.world`` (x east, y north); ``position_of`` turns them
into latitude and longitude.

Bump ``DEMO_VERSION`` whenever a change here, in ``demo.world``, ``demo.art`` or
``demo.render`` changes the rendered panoramas: the loader renders again only for a new
version (or size).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: the version of the demo's pictures; part of the cached files' and the panoramas' names
DEMO_VERSION = 1
#: where the plan's origin (the Marktgasse's east end) lies on the globe: a made-up town
ORIGIN_LATITUDE = 49.8721
ORIGIN_LONGITUDE = 8.6512
METRES_PER_DEGREE = 111_320.0
TIME_ZONE = "Europe/Berlin"
LOCALITY = "Beispielstadt"
POSTAL_CODE = "65432"

Texts = Mapping[str, str]
Colour = tuple[int, int, int]


def position_of(x: float, y: float) -> tuple[float, float]:
    """Latitude and longitude of a point of the plan (7 decimals, about a centimetre)."""
    latitude = ORIGIN_LATITUDE + y / METRES_PER_DEGREE
    longitude = ORIGIN_LONGITUDE + x / (METRES_PER_DEGREE * math.cos(math.radians(
        ORIGIN_LATITUDE)))
    return round(latitude, 7), round(longitude, 7)


def bearing_between(x0: float, y0: float, x1: float, y1: float) -> float:
    """Compass bearing (degrees clockwise from north, 0 ≤ b < 360) from one point to another."""
    return round(math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0, 3)


@dataclass(frozen=True)
class DemoScene:
    slug: str
    x: float
    y: float
    title: Texts
    description: Texts
    #: what the scene first looks at: a shop's slug or a landmark's key
    looks_at: str
    camera_height: float = 1.8


@dataclass(frozen=True)
class DemoShop:
    slug: str
    #: the key of the building in ``demo.world.BUILDINGS`` whose front is the shop's
    building: str
    sign_text: str
    #: the smaller line under the name on the sign board
    tagline: str
    #: the sign board's and the logo's colour: saturated, unlike anything else in the world
    colour: Colour
    pictogram: str
    logo_word: str
    logo_alt: Texts
    #: profile fields as ``tours.shops.create_shop`` takes them (no slug, status or position)
    profile: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Landmark:
    """A sight with an info hotspot in the scenes named."""

    key: str
    point: tuple[float, float, float]
    #: names of the boxes the point sits on (they do not hide it)
    parts: tuple[str, ...]
    scenes: tuple[str, ...]
    label: Texts
    text: Texts
    url: str | None = None
    #: the picture its info hotspots show (a name in ``demo.art.PICTURES``) and its description
    picture: str | None = None
    picture_alt: Texts = field(default_factory=dict)


@dataclass(frozen=True)
class DemoStop:
    scene: str
    looks_at: str
    text: Texts


@dataclass(frozen=True)
class DemoTour:
    slug: str
    title: Texts
    intro: Texts
    cover_scene: str
    stops: tuple[DemoStop, ...]


def _weekly(*days: tuple[int, str, str]) -> dict[str, Any]:
    return {"weekly": [{"day": day, "opens": opens, "closes": closes}
                       for day, opens, closes in days], "special": []}


SCENES: tuple[DemoScene, ...] = (
    DemoScene(
        "demo-marktgasse-west", -48.0, 0.0,
        {"de": "Marktgasse am Alten Rathaus", "en": "Marktgasse by the old town hall",
         "es": "Marktgasse junto al antiguo ayuntamiento",
         "fr": "Marktgasse près de l'ancien hôtel de ville"},
        {"de": "Der Anfang der Marktgasse, mit dem Alten Rathaus im Rücken.",
         "en": "Where the Marktgasse begins, with the old town hall behind you.",
         "es": "El comienzo de la Marktgasse, con el antiguo ayuntamiento a la espalda.",
         "fr": "Le début de la Marktgasse, avec l'ancien hôtel de ville derrière vous."},
        "demo-baeckerei-kern"),
    DemoScene(
        "demo-marktgasse-mitte", -33.0, 0.0,
        {"de": "Marktgasse, Mitte", "en": "Marktgasse, middle", "es": "Marktgasse, centro",
         "fr": "Marktgasse, milieu"},
        {"de": "Mitten in der Marktgasse, vor der Buchhandlung.",
         "en": "Halfway along the Marktgasse, in front of the bookshop.",
         "es": "A mitad de la Marktgasse, delante de la librería.",
         "fr": "Au milieu de la Marktgasse, devant la librairie."},
        "demo-seitenweise"),
    DemoScene(
        "demo-marktgasse-ost", -18.0, 0.0,
        {"de": "Marktgasse, Ost", "en": "Marktgasse, east", "es": "Marktgasse, este",
         "fr": "Marktgasse, est"},
        {"de": "Vor dem Café Mokka; der Marktplatz ist schon zu sehen.",
         "en": "Outside Café Mokka; the market square is already in sight.",
         "es": "Delante del Café Mokka; ya se ve la plaza del mercado.",
         "fr": "Devant le Café Mokka ; la place du marché est déjà en vue."},
        "demo-cafe-mokka"),
    DemoScene(
        "demo-marktgasse-ecke", -3.0, 0.0,
        {"de": "Ecke Marktplatz", "en": "Corner of the market square",
         "es": "Esquina de la plaza del mercado", "fr": "Coin de la place du marché"},
        {"de": "Das Ende der Marktgasse, am Blumenladen.",
         "en": "The end of the Marktgasse, by the flower shop.",
         "es": "El final de la Marktgasse, junto a la floristería.",
         "fr": "La fin de la Marktgasse, près du fleuriste."},
        "demo-blumen-lindgruen"),
    DemoScene(
        "demo-marktplatz", 12.0, 0.0,
        {"de": "Marktplatz", "en": "Market square", "es": "Plaza del mercado",
         "fr": "Place du marché"},
        {"de": "Der Marktplatz mit Brunnen und Blick die Kirchgasse hinauf zur Stadtkirche.",
         "en": "The market square, its fountain and the view up the Kirchgasse to the church.",
         "es": "La plaza del mercado, su fuente y la vista de la Kirchgasse hasta la iglesia.",
         "fr": "La place du marché, sa fontaine et la vue sur la Kirchgasse jusqu'à l'église."},
        "church"),
    DemoScene(
        "demo-marktplatz-brunnen", 24.0, 9.0,
        {"de": "Am Marktbrunnen", "en": "By the market fountain",
         "es": "Junto a la fuente del mercado", "fr": "Près de la fontaine du marché"},
        {"de": "Zwischen Brunnen und Optiker, unter den Linden des Marktplatzes.",
         "en": "Between the fountain and the optician's, under the square's lime trees.",
         "es": "Entre la fuente y la óptica, bajo los tilos de la plaza.",
         "fr": "Entre la fontaine et l'opticien, sous les tilleuls de la place."},
        "demo-optik-weitblick"),
)

#: walkable connections (both ways), between neighbouring scenes
LINKS: tuple[tuple[str, str], ...] = (
    ("demo-marktgasse-west", "demo-marktgasse-mitte"),
    ("demo-marktgasse-mitte", "demo-marktgasse-ost"),
    ("demo-marktgasse-ost", "demo-marktgasse-ecke"),
    ("demo-marktgasse-ecke", "demo-marktplatz"),
    ("demo-marktplatz", "demo-marktplatz-brunnen"),
)

_ADDRESS = {"postal_code": POSTAL_CODE, "locality": LOCALITY, "country": "DE",
            "time_zone": TIME_ZONE}

SHOPS: tuple[DemoShop, ...] = (
    DemoShop(
        "demo-baeckerei-kern", "n2", "Bäckerei Kern", "Brot & Kuchen seit 1952", (240, 128, 16),
        "bread", "Kern",
        {"de": "Logo der Bäckerei Kern: ein Brotlaib", "en": "Kern Bakery logo: a loaf",
         "es": "Logotipo de la Panadería Kern: una hogaza",
         "fr": "Logo de la Boulangerie Kern : une miche"},
        {
            "name": {"de": "Bäckerei Kern", "en": "Kern Bakery", "es": "Panadería Kern",
                     "fr": "Boulangerie Kern"},
            "category": "bakery",
            "short_description": {
                "de": "Sauerteigbrot, Brezeln und Kuchen aus der Backstube hinter dem Laden.",
                "en": "Sourdough bread, pretzels and cakes from the bakehouse behind the shop.",
                "es": "Pan de masa madre, pretzels y pasteles del obrador tras la tienda.",
                "fr": "Pain au levain, bretzels et gâteaux du fournil derrière la boutique."},
            "description": {
                "de": "<p>Seit drei Generationen backen wir jede Nacht mit Mehl aus der "
                      "Region. <strong>Tipp:</strong> das Dinkel-Walnuss-Brot.</p>",
                "en": "<p>Three generations of baking every night with flour from the region. "
                      "<strong>Try</strong> the spelt and walnut loaf.</p>",
                "es": "<p>Tres generaciones horneando cada noche con harina de la región. "
                      "<strong>Pruebe</strong> el pan de espelta y nueces.</p>",
                "fr": "<p>Trois générations de boulangers, chaque nuit, avec de la farine de "
                      "la région. <strong>À goûter :</strong> le pain épeautre-noix.</p>"},
            "street": "Marktgasse", "house_number": "4", **_ADDRESS,
            "phone": "+49 6151 9876540",
            "website": "https://example.org/beispielstadt/baeckerei-kern",
            "payment_methods": ["cash", "debit_card", "contactless"],
            "wheelchair": "yes", "step_free_entrance": True,
            "opening_hours": _weekly(*((day, "06:30", "18:00") for day in range(1, 6)),
                                     (6, "06:30", "13:00"), (7, "08:00", "11:00")),
        }),
    DemoShop(
        "demo-seitenweise", "s3", "Seitenweise", "Buchhandlung", (24, 72, 200), "book",
        "Seitenweise",
        {"de": "Logo von Seitenweise: ein aufgeschlagenes Buch",
         "en": "Seitenweise logo: an open book",
         "es": "Logotipo de Seitenweise: un libro abierto",
         "fr": "Logo de Seitenweise : un livre ouvert"},
        {
            "name": {"de": "Buchhandlung Seitenweise", "en": "Seitenweise Bookshop",
                     "es": "Librería Seitenweise", "fr": "Librairie Seitenweise"},
            "category": "books",
            "short_description": {
                "de": "Romane, Reiseführer und Kinderbücher, mit Leseecke und Bestellservice.",
                "en": "Novels, travel guides and children's books, a reading corner and "
                      "ordering.",
                "es": "Novelas, guías de viaje y libros infantiles, con rincón de lectura.",
                "fr": "Romans, guides de voyage et livres pour enfants, avec coin lecture."},
            "description": {
                "de": "<p>Bestellt bis 18 Uhr, liegt morgen früh bereit. Jeden ersten "
                      "Donnerstag: Lesung im Laden.</p>",
                "en": "<p>Ordered by 6 pm, ready the next morning. Every first Thursday: a "
                      "reading in the shop.</p>",
                "es": "<p>Lo que pida antes de las 18 h estará listo mañana. Cada primer "
                      "jueves: lectura en la tienda.</p>",
                "fr": "<p>Commandé avant 18 h, prêt le lendemain matin. Chaque premier "
                      "jeudi : lecture en boutique.</p>"},
            "street": "Marktgasse", "house_number": "7", **_ADDRESS,
            "phone": "+49 6151 3672210",
            "website": "https://example.org/beispielstadt/seitenweise",
            "online_shop_url": "https://example.org/beispielstadt/seitenweise/shop",
            "payment_methods": ["cash", "debit_card", "credit_card", "voucher"],
            "wheelchair": "limited", "step_free_entrance": False,
            "opening_hours": _weekly(*((day, "09:30", "19:00") for day in range(1, 6)),
                                     (6, "09:30", "16:00")),
        }),
    DemoShop(
        "demo-cafe-mokka", "n5", "Café Mokka", "Rösterei & Kuchen", (196, 24, 44), "cup", "Mokka",
        {"de": "Logo des Café Mokka: eine dampfende Tasse",
         "en": "Café Mokka logo: a steaming cup",
         "es": "Logotipo del Café Mokka: una taza humeante",
         "fr": "Logo du Café Mokka : une tasse fumante"},
        {
            "name": {"de": "Café Mokka", "en": "Café Mokka", "es": "Café Mokka",
                     "fr": "Café Mokka"},
            "category": "cafe",
            "short_description": {
                "de": "Kaffee aus der eigenen Röstung, hausgemachter Kuchen, Frühstück.",
                "en": "Coffee from our own roastery, home-made cake, breakfast.",
                "es": "Café de tueste propio, tartas caseras y desayunos.",
                "fr": "Café torréfié maison, gâteaux faits maison, petit-déjeuner."},
            "description": {
                "de": "<p>Im Sommer sitzen Sie draußen in der Marktgasse.</p>",
                "en": "<p>In summer you sit outside in the Marktgasse.</p>",
                "es": "<p>En verano, mesas en la terraza de la Marktgasse.</p>",
                "fr": "<p>En été, installez-vous en terrasse dans la Marktgasse.</p>"},
            "street": "Marktgasse", "house_number": "10", **_ADDRESS,
            "phone": "+49 6151 4481230",
            "website": "https://example.org/beispielstadt/cafe-mokka",
            "payment_methods": ["cash", "debit_card", "contactless", "mobile"],
            "wheelchair": "yes", "step_free_entrance": True,
            "opening_hours": _weekly(*((day, "08:00", "19:00") for day in range(1, 7)),
                                     (7, "09:00", "18:00")),
        }),
    DemoShop(
        "demo-blumen-lindgruen", "s6", "Blumen Lindgrün", "Floristik", (190, 30, 140), "flower",
        "Lindgrün",
        {"de": "Logo von Blumen Lindgrün: eine Blüte", "en": "Lindgrün Flowers logo: a blossom",
         "es": "Logotipo de Floristería Lindgrün: una flor",
         "fr": "Logo de Fleurs Lindgrün : une fleur"},
        {
            "name": {"de": "Blumen Lindgrün", "en": "Lindgrün Flowers",
                     "es": "Floristería Lindgrün", "fr": "Fleurs Lindgrün"},
            "category": "florist",
            "short_description": {
                "de": "Sträuße der Saison, Topfpflanzen und Trauerfloristik.",
                "en": "Seasonal bouquets, potted plants and funeral flowers.",
                "es": "Ramos de temporada, plantas en maceta y coronas.",
                "fr": "Bouquets de saison, plantes en pot et compositions de deuil."},
            "description": {
                "de": "<p>Blumen aus Gärtnereien im Umland, Lieferung in der Altstadt.</p>",
                "en": "<p>Flowers from nearby nurseries, delivered in the old town.</p>",
                "es": "<p>Flores de viveros cercanos, entrega en el casco antiguo.</p>",
                "fr": "<p>Des fleurs d'horticulteurs voisins, livrées dans la vieille "
                      "ville.</p>"},
            "street": "Marktgasse", "house_number": "13", **_ADDRESS,
            "phone": "+49 6151 5093317",
            "website": "https://example.org/beispielstadt/blumen-lindgruen",
            "online_shop_url": "https://example.org/beispielstadt/blumen-lindgruen/bestellen",
            "payment_methods": ["cash", "debit_card", "contactless"],
            "wheelchair": "yes", "step_free_entrance": True,
            "opening_hours": _weekly(
                *(entry for day in range(1, 6)
                  for entry in ((day, "09:00", "13:00"), (day, "14:00", "18:30"))),
                (6, "08:00", "14:00")),
        }),
    DemoShop(
        "demo-optik-weitblick", "q2", "Optik Weitblick", "Brillen & Kontaktlinsen", (0, 132, 140),
        "glasses", "Weitblick",
        {"de": "Logo von Optik Weitblick: eine Brille", "en": "Weitblick Opticians logo: glasses",
         "es": "Logotipo de Óptica Weitblick: unas gafas",
         "fr": "Logo de l'Opticien Weitblick : des lunettes"},
        {
            "name": {"de": "Optik Weitblick", "en": "Weitblick Opticians",
                     "es": "Óptica Weitblick", "fr": "Opticien Weitblick"},
            "category": "optician",
            "short_description": {
                "de": "Brillen, Kontaktlinsen und Sehtest, ohne Termin.",
                "en": "Glasses, contact lenses and eye tests, no appointment needed.",
                "es": "Gafas, lentillas y revisión de la vista, sin cita previa.",
                "fr": "Lunettes, lentilles et examen de la vue, sans rendez-vous."},
            "description": {
                "de": "<p>Sehtest in zehn Minuten; Reparaturen oft sofort.</p>",
                "en": "<p>Eye test in ten minutes; repairs often while you wait.</p>",
                "es": "<p>Revisión de la vista en diez minutos; reparaciones al momento.</p>",
                "fr": "<p>Examen de la vue en dix minutes ; réparations souvent "
                      "immédiates.</p>"},
            "street": "Marktplatz", "house_number": "3", **_ADDRESS,
            "phone": "+49 6151 6620184",
            "website": "https://example.org/beispielstadt/optik-weitblick",
            "payment_methods": ["cash", "debit_card", "credit_card", "invoice"],
            "wheelchair": "yes", "step_free_entrance": True,
            "opening_hours": _weekly(*((day, "09:00", "18:00") for day in range(1, 6)),
                                     (6, "10:00", "14:00")),
        }),
)

LANDMARKS: tuple[Landmark, ...] = (
    Landmark(
        "town-hall", (-62.0, 0.0, 9.0), ("town-hall",),
        ("demo-marktgasse-west", "demo-marktgasse-mitte"),
        {"de": "Altes Rathaus", "en": "Old town hall", "es": "Antiguo ayuntamiento",
         "fr": "Ancien hôtel de ville"},
        {"de": "Das Alte Rathaus schließt die Marktgasse nach Westen ab. Heute sind darin "
               "das Stadtarchiv und die Tourist-Information.",
         "en": "The old town hall closes the Marktgasse to the west. Today it houses the "
               "town archive and the tourist information.",
         "es": "El antiguo ayuntamiento cierra la Marktgasse por el oeste. Hoy alberga el "
               "archivo municipal y la oficina de turismo.",
         "fr": "L'ancien hôtel de ville ferme la Marktgasse à l'ouest. Il abrite aujourd'hui "
               "les archives municipales et l'office de tourisme."}),
    Landmark(
        "fountain", (28.0, -2.0, 2.0), ("column", "bowl", "basin", "water", "finial"),
        ("demo-marktplatz", "demo-marktplatz-brunnen"),
        {"de": "Marktbrunnen", "en": "Market fountain", "es": "Fuente del mercado",
         "fr": "Fontaine du marché"},
        {"de": "Der Marktbrunnen war bis ins 19. Jahrhundert die Wasserstelle der Altstadt. "
               "Im Sommer spielen hier Kinder.",
         "en": "Until the 19th century the market fountain was the old town's water supply. "
               "In summer, children play here.",
         "es": "Hasta el siglo XIX, la fuente del mercado abastecía de agua al casco antiguo. "
               "En verano juegan aquí los niños.",
         "fr": "Jusqu'au XIXe siècle, la fontaine du marché alimentait la vieille ville en "
               "eau. L'été, les enfants y jouent."},
        picture="fountain",
        picture_alt={
            "de": "Der Marktbrunnen: ein rundes Sandsteinbecken, in der Mitte eine Säule mit "
                  "Schale und goldener Spitze, aus der Wasser ins Becken fällt; dahinter bunte "
                  "Giebelhäuser.",
            "en": "The market fountain: a round sandstone basin with a column in the middle, "
                  "a bowl and a golden finial, water arching into the basin; colourful gabled "
                  "houses behind it.",
            "es": "La fuente del mercado: una pila redonda de arenisca con una columna en el "
                  "centro, un cuenco y un remate dorado, y el agua que cae en la pila; detrás, "
                  "casas de colores con frontón.",
            "fr": "La fontaine du marché : un bassin rond en grès avec une colonne au centre, "
                  "une vasque et un fleuron doré, l'eau retombant dans le bassin ; derrière, "
                  "des maisons colorées à pignon."}),
    Landmark(
        "church", (88.0, 0.0, 30.0), ("tower",), ("demo-marktplatz",),
        {"de": "Stadtkirche", "en": "Town church", "es": "Iglesia de la ciudad",
         "fr": "Église de la ville"},
        {"de": "Die Stadtkirche am Ende der Kirchgasse; ihr Turm ist 56 Meter hoch.",
         "en": "The town church at the end of the Kirchgasse; its tower is 56 metres high.",
         "es": "La iglesia al final de la Kirchgasse; su torre mide 56 metros.",
         "fr": "L'église au bout de la Kirchgasse ; sa tour mesure 56 mètres."},
        "https://example.org/beispielstadt/stadtkirche"),
)

TOUR = DemoTour(
    "demo-altstadt-bummel",
    {"de": "Altstadt-Bummel", "en": "Old town stroll", "es": "Paseo por el casco antiguo",
     "fr": "Flânerie dans la vieille ville"},
    {"de": "Ein kurzer Spaziergang vom Alten Rathaus durch die Marktgasse bis zum Marktbrunnen, "
           "vorbei an Bäckerei, Buchhandlung, Café und Blumenladen.",
     "en": "A short walk from the old town hall along the Marktgasse to the market fountain, "
           "past the bakery, the bookshop, the café and the flower shop.",
     "es": "Un paseo corto desde el antiguo ayuntamiento por la Marktgasse hasta la fuente del "
           "mercado, pasando por la panadería, la librería, el café y la floristería.",
     "fr": "Une courte promenade de l'ancien hôtel de ville à la fontaine du marché par la "
           "Marktgasse, devant la boulangerie, la librairie, le café et le fleuriste."},
    "demo-marktplatz",
    (
        DemoStop("demo-marktgasse-west", "demo-baeckerei-kern",
                 {"de": "Start am Alten Rathaus. Gleich gegenüber duftet es nach frischem Brot.",
                  "en": "Start at the old town hall. Right opposite, fresh bread.",
                  "es": "Salida en el antiguo ayuntamiento. Justo enfrente huele a pan "
                        "recién hecho.",
                  "fr": "Départ à l'ancien hôtel de ville. Juste en face, l'odeur du pain "
                        "frais."}),
        DemoStop("demo-marktgasse-mitte", "demo-seitenweise",
                 {"de": "Die Buchhandlung Seitenweise: Stöbern erwünscht.",
                  "en": "Seitenweise, the bookshop: browsing welcome.",
                  "es": "La librería Seitenweise: se invita a hojear.",
                  "fr": "La librairie Seitenweise : on y feuillette volontiers."}),
        DemoStop("demo-marktgasse-ost", "demo-cafe-mokka",
                 {"de": "Zeit für einen Kaffee im Café Mokka.",
                  "en": "Time for a coffee at Café Mokka.",
                  "es": "Hora de un café en el Café Mokka.",
                  "fr": "L'heure d'un café au Café Mokka."}),
        DemoStop("demo-marktgasse-ecke", "demo-blumen-lindgruen",
                 {"de": "Ein Strauß für zu Hause, bei Blumen Lindgrün.",
                  "en": "A bunch of flowers to take home, from Lindgrün.",
                  "es": "Un ramo para llevar a casa, de Floristería Lindgrün.",
                  "fr": "Un bouquet à emporter, chez Fleurs Lindgrün."}),
        DemoStop("demo-marktplatz-brunnen", "fountain",
                 {"de": "Ziel: der Marktbrunnen mitten auf dem Marktplatz.",
                  "en": "The end: the market fountain in the middle of the square.",
                  "es": "Final: la fuente del mercado, en el centro de la plaza.",
                  "fr": "Arrivée : la fontaine du marché, au milieu de la place."}),
    ),
)
