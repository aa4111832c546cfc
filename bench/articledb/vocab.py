"""Word lists and sentence templates for the synthetic article DB: 60 regional outlets, countries in the
proportions regional news names them, officials, organisations, CAMEO-style events, and template
sentences per topic (defense, diplomacy and everyday news) in English, with some Russian and Azerbaijani."""

from __future__ import annotations

# name, domain, home country, languages (code:percent); ordered by volume (the first few publish most)
SOURCES: list[tuple[str, str, str, str]] = [
    ("Trend", "trend.az", "AZ", "en:80,ru:12,az:8"), ("APA", "apa.az", "AZ", "en:70,ru:15,az:15"),
    ("Azernews", "azernews.az", "AZ", "en"), ("Report.az", "report.az", "AZ", "en:70,az:30"),
    ("AZERTAC", "azertag.az", "AZ", "en:80,ru:10,az:10"), ("TASS", "tass.com", "RU", "en"),
    ("News.az", "news.az", "AZ", "en"), ("Anadolu Agency", "aa.com.tr", "TR", "en"),
    ("Caliber", "caliber.az", "AZ", "en:80,ru:20"), ("Day.az", "day.az", "AZ", "ru"),
    ("Daily Sabah", "dailysabah.com", "TR", "en"), ("Oxu.az", "oxu.az", "AZ", "az"),
    ("Turan", "turan.az", "AZ", "en:70,ru:30"), ("Armenpress", "armenpress.am", "AM", "en"),
    ("Civil.ge", "civil.ge", "GE", "en"), ("Vestnik Kavkaza", "vestnikkavkaza.net", "AZ", "en:50,ru:50"),
    ("Kazinform", "inform.kz", "KZ", "en"), ("RIA Novosti", "ria.ru", "RU", "ru"),
    ("Interfax", "interfax.com", "RU", "en"), ("IRNA", "irna.ir", "IR", "en"),
    ("Hurriyet Daily News", "hurriyetdailynews.com", "TR", "en"), ("1news.az", "1news.az", "AZ", "ru"),
    ("Agenda.ge", "agenda.ge", "GE", "en"), ("UzDaily", "uzdaily.uz", "UZ", "en"),
    ("Tehran Times", "tehrantimes.com", "IR", "en"), ("News.am", "news.am", "AM", "en"),
    ("Minval", "minval.az", "AZ", "ru"), ("Astana Times", "astanatimes.com", "KZ", "en"),
    ("Kommersant", "kommersant.ru", "RU", "ru"), ("Eurasianet", "eurasianet.org", "US", "en"),
    ("Interpressnews", "interpressnews.ge", "GE", "en"), ("Kun.uz", "kun.uz", "UZ", "en"),
    ("Azvision", "azvision.az", "AZ", "en"), ("TRT World", "trtworld.com", "TR", "en"),
    ("Azatutyun", "azatutyun.am", "AM", "en"), ("Mehr News", "mehrnews.com", "IR", "en"),
    ("Haqqin.az", "haqqin.az", "AZ", "ru"), ("RFE/RL", "rferl.org", "US", "en"),
    ("Tengrinews", "tengrinews.kz", "KZ", "ru"), ("Xinhua", "english.news.cn", "CN", "en"),
    ("Gazeta.uz", "gazeta.uz", "UZ", "ru"), ("Modern.az", "modern.az", "AZ", "az"),
    ("Georgia Today", "georgiatoday.ge", "GE", "en"), ("Daryo", "daryo.uz", "UZ", "en"),
    ("Caspian News", "caspiannews.com", "AZ", "en"), ("Press TV", "presstv.ir", "IR", "en"),
    ("RBC", "rbc.ru", "RU", "ru"), ("Turkmenportal", "turkmenportal.com", "TM", "en"),
    ("24.kg", "24.kg", "KG", "en"), ("Qafqazinfo", "qafqazinfo.az", "AZ", "az"),
    ("JAMnews", "jam-news.net", "GE", "en"), ("AKIpress", "akipress.com", "KG", "en"),
    ("Global Times", "globaltimes.cn", "CN", "en"), ("Asia-Plus", "asiaplustj.info", "TJ", "en"),
    ("OC Media", "oc-media.org", "GE", "en"), ("Izvestia", "iz.ru", "RU", "ru"),
    ("Times of Central Asia", "timesca.com", "KZ", "en"), ("Reuters", "reuters.com", "US", "en"),
    ("Asbarez", "asbarez.com", "AM", "en"), ("The Diplomat", "thediplomat.com", "US", "en"),
]  # fmt: skip

# code: (name, adjective, weight among the countries a story names, capital or main cities)
COUNTRIES: dict[str, tuple[str, str, float, str]] = {
    "AZ": ("Azerbaijan", "Azerbaijani", 30, "Baku,Ganja,Shusha,Nakhchivan,Sumgayit"),
    "RU": ("Russia", "Russian", 14, "Moscow,Saint Petersburg,Sochi,Kazan"),
    "TR": ("Türkiye", "Turkish", 11, "Ankara,Istanbul,Izmir,Antalya"),
    "GE": ("Georgia", "Georgian", 7, "Tbilisi,Batumi,Kutaisi"),
    "AM": ("Armenia", "Armenian", 7, "Yerevan,Gyumri"),
    "IR": ("Iran", "Iranian", 5, "Tehran,Tabriz,Mashhad"),
    "US": ("the United States", "US", 5, "Washington,New York"),
    "KZ": ("Kazakhstan", "Kazakh", 5, "Astana,Almaty,Aktau"),
    "UZ": ("Uzbekistan", "Uzbek", 4, "Tashkent,Samarkand"),
    "CN": ("China", "Chinese", 3, "Beijing,Shanghai,Urumqi"), "UA": ("Ukraine", "Ukrainian", 3, "Kyiv,Odesa"),
    "FR": ("France", "French", 2, "Paris"), "DE": ("Germany", "German", 1.5, "Berlin,Munich"),
    "GB": ("the United Kingdom", "British", 1.5, "London"),
    "IL": ("Israel", "Israeli", 1.5, "Jerusalem,Tel Aviv"),
    "PK": ("Pakistan", "Pakistani", 1.5, "Islamabad,Karachi"),
    "TM": ("Turkmenistan", "Turkmen", 1.5, "Ashgabat"),
    "KG": ("Kyrgyzstan", "Kyrgyz", 1, "Bishkek"), "TJ": ("Tajikistan", "Tajik", 1, "Dushanbe"),
    "BY": ("Belarus", "Belarusian", 1, "Minsk"), "IT": ("Italy", "Italian", 1, "Rome"),
    "IN": ("India", "Indian", 1, "New Delhi"), "AE": ("the UAE", "Emirati", 0.7, "Abu Dhabi,Dubai"),
    "HU": ("Hungary", "Hungarian", 0.5, "Budapest"), "SA": ("Saudi Arabia", "Saudi", 0.5, "Riyadh"),
    "QA": ("Qatar", "Qatari", 0.5, "Doha"), "JP": ("Japan", "Japanese", 0.5, "Tokyo"),
    "BE": ("Belgium", "Belgian", 0.5, "Brussels"), "PL": ("Poland", "Polish", 0.3, "Warsaw"),
    "EG": ("Egypt", "Egyptian", 0.3, "Cairo"),
}  # fmt: skip

# country: "name|rank or role" separated by ";"
PEOPLE: dict[str, str] = {
    "AZ": "Ilham Aliyev|President;Jeyhun Bayramov|Foreign Minister;Zakir Hasanov|Defense Minister;"
    "Hikmet Hajiyev|Assistant to the President;Ali Asadov|Prime Minister;Karim Valiyev|Colonel General",
    "RU": "Vladimir Putin|President;Sergey Lavrov|Foreign Minister;Andrei Belousov|Defense Minister;"
    "Maria Zakharova|Spokeswoman;Alexei Overchuk|Deputy Prime Minister",
    "TR": "Recep Tayyip Erdogan|President;Hakan Fidan|Foreign Minister;Yasar Guler|Defense Minister",
    "GE": "Irakli Kobakhidze|Prime Minister;Maka Botchorishvili|Foreign Minister",
    "AM": "Nikol Pashinyan|Prime Minister;Ararat Mirzoyan|Foreign Minister;Suren Papikyan|Defense Minister",
    "IR": "Masoud Pezeshkian|President;Abbas Araghchi|Foreign Minister",
    "US": "Antony Blinken|Secretary of State;Lloyd Austin|Defense Secretary",
    "KZ": "Kassym-Jomart Tokayev|President;Murat Nurtleu|Foreign Minister",
    "UZ": "Shavkat Mirziyoyev|President;Bakhtiyor Saidov|Foreign Minister",
    "CN": "Xi Jinping|President;Wang Yi|Foreign Minister",
    "UA": "Andrii Sybiha|Foreign Minister",
}
ORGANISATIONS: list[tuple[str, str, str | None, float]] = [
    ("NATO", "North Atlantic Treaty Organization", None, 6),
    ("CIS", "Commonwealth of Independent States", None, 5),
    ("OSCE", "Organization for Security and Co-operation in Europe", None, 4),
    ("UN", "United Nations", None, 6),
    ("EU", "European Union", None, 6), ("CSTO", "Collective Security Treaty Organization", None, 3),
    ("SCO", "Shanghai Cooperation Organisation", None, 2), ("OTS", "Organization of Turkic States", None, 3),
    ("GUAM", "GUAM Organization for Democracy and Economic Development", None, 1),
    ("OIC", "Organisation of Islamic Cooperation", None, 1),
    ("SOCAR", "State Oil Company of Azerbaijan", "AZ", 3),
    ("MoD-AZ", "Ministry of Defense of Azerbaijan", "AZ", 8),
    ("MFA-AZ", "Ministry of Foreign Affairs of Azerbaijan", "AZ", 8),
    ("MoD-RU", "Ministry of Defence of Russia", "RU", 3),
    ("MFA-RU", "Ministry of Foreign Affairs of Russia", "RU", 3),
    ("MoD-TR", "Ministry of National Defense of Türkiye", "TR", 2),
    ("MFA-AM", "Ministry of Foreign Affairs of Armenia", "AM", 2),
]  # fmt: skip
EVENTS: list[tuple[str, str, float]] = [
    ("official_visit", "042", 6),
    ("meeting", "040", 8), ("agreement_signed", "057", 4), ("statement", "010", 8),
    ("military_exercise", "150", 4), ("ceasefire_violation", "193", 2), ("arms_deal", "062", 1.5),
    ("peace_talks", "046", 2), ("sanctions", "163", 1),
]  # fmt: skip

WORDS = {
    "equip": "armoured vehicles;artillery units;combat helicopters;Bayraktar TB2 drones;air defense systems;"
    "fighter jets;multiple-launch rocket systems;warships;special forces units;tank battalions;mortar crews",
    "field": "energy;transport;defense industry;education;agriculture;digital development;green energy;"
    "customs;tourism;humanitarian;military-technical;cultural;healthcare",
    "place": "the Caspian Sea;the Absheron peninsula;Nakhchivan;Lachin;Kalbajar;Fuzuli;Aghdam;the Kura river;"
    "the Turkish-Azerbaijani border;the Zangezur corridor;the Black Sea coast;the Gobustan range",
    "border": "the Armenian-Azerbaijani border;the state border;the line of contact;the Lachin road;"
    "the Nakhchivan section of the border",
    "mediator": "the European Union;the United States;Russia;the OSCE;Kazakhstan",
    "expo": "ADEX;IDEF;Army Games;Teknofest",
    "ord": "third;fourth;fifth;sixth;seventh;eighth;tenth;twelfth",
    "day": "Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday",
}
# Template sentences per topic and theme (a story keeps to one theme of each topic it touches);
# {C}, {A}, {city}, {FM}, {DM}, {HEAD}, {OFF} belong to one country, {C2}, {A2}, {city2} to another.
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "defense": {
        "exercises": [
            "{C} and {C2} held joint military exercises involving {n} servicemen and {equip}.",
            "The {A} Defense Ministry said the military exercises near {place} would last until {day}.",
            "According to the ministry, the drills included live-fire training with {equip}.",
            "The armed forces of {C} began large-scale command-staff exercises on {day}.",
            "Officers of {C} and {C2} exchanged experience in countering drones during the drills.",
            "The navy of {C} conducted tactical exercises in the Caspian Sea with {equip}.",
            "Pilots practised night flights and strikes on mock targets at the firing range near {place}.",
        ],
        "border": [
            "The ceasefire along {border} was violated {n} times over the past day, the ministry reported.",
            "Units of the {A} army took adequate retaliatory measures after the shelling.",
            "A serviceman of the {A} army was wounded by sniper fire near {place}, the ministry said.",
            "Border guards of {C} detained {n} people attempting to cross the state border illegally.",
            "The situation on {border} remained tense overnight, according to the ministry.",
            "The peacekeeping contingent completed its withdrawal from {place} ahead of schedule.",
        ],
        "industry": [
            "A contract for the supply of {equip} was signed at the {expo} defense exhibition.",
            "{C} plans to increase its defense budget by {pct} percent next year.",
            "The defense industry of {C} will start serial production of {equip} with partners from {C2}.",
            "The procurement of {equip} from {C2} is part of the army modernisation programme.",
            "Engineers of the defense industry ministry presented a new generation of {equip}.",
        ],
        "security": [
            "{DM} inspected the combat readiness of units stationed in {place}.",
            "Military cooperation between {C} and {C2} was discussed at a meeting of defense ministers.",
            "The sides discussed military-technical cooperation and the joint training of officers.",
            "Air defense units intercepted {n} drones over {place}, officials said on {day}.",
            "Mine clearance continued near {place}, where engineers neutralised {n} mines and shells.",
            "The security council of {C} discussed the threats posed by armed groups in the region.",
        ],
    },
    "diplomacy": {
        "visits": [
            "{FM} met with his {A2} counterpart in {city2} on {day}.",
            "The foreign minister's visit to {city2} opens a new chapter in {A}-{A2} relations.",
            "The state visit included talks in a narrow format and an expanded meeting of delegations.",
            "{FM} will pay an official visit to {C2} next week, the foreign ministry announced.",
            "The foreign ministers of {C} and {C2} discussed preparing a visit at the highest level.",
            "{HEAD} received the credentials of the newly appointed ambassador of {C2}.",
        ],
        "agreements": [
            "{C} and {C2} signed a memorandum of understanding on {field} cooperation.",
            "The two sides agreed to deepen their strategic partnership in energy, transport and security.",
            "A declaration on strategic partnership between {C} and {C2} was signed after talks in {city}.",
            "The parties signed {n} documents, including an agreement on visa-free travel.",
            "The intergovernmental commission of {C} and {C2} met in {city} for its {ord} session.",
        ],
        "peace": [
            "Peace talks between Baku and Yerevan resumed in {city2} with the mediation of {mediator}.",
            "Delegations of {C} and {C2} held consultations on the delimitation of the border in {city}.",
            "The draft peace treaty was discussed at the meeting of the foreign ministers in {city2}.",
            "{C} supports the sovereignty and territorial integrity of {C2}, {OFF} said.",
            "The commissions on border delimitation agreed to continue their work in {city}.",
        ],
        "relations": [
            "The ministry expressed concern over the statement made by the {A2} side on {day}.",
            "The ambassador of {C} to {C2} was summoned to the foreign ministry in {city2}.",
            "Political consultations between the foreign ministries of {C} and {C2} took place in {city}.",
            "The sides discussed bilateral relations, regional security and the situation in the region.",
            "{C} and {C2} discussed cooperation within international organisations.",
        ],
    },
    "general": {
        "economy": [
            "Trade turnover between {C} and {C2} reached ${n} million in the first months of the year.",
            "The Central Bank of {C} kept its refinancing rate unchanged at {pct} percent.",
            "Inflation in {C} slowed to {pct} percent, according to the statistics committee.",
            "Farmers in {C} harvested {n} thousand tons of wheat despite the dry summer.",
            "Tourist arrivals in {C} grew by {pct} percent, led by visitors from {C2}.",
        ],
        "energy": [
            "Oil prices rose on {day}, with Brent crude trading at ${price} per barrel.",
            "Gas exports via the Southern Gas Corridor increased by {pct} percent year on year.",
            "The solar power plant built with investors from {C2} will generate {n} megawatts.",
            "The gas pipeline from {C} to {C2} operated at full capacity in the reporting period.",
        ],
        "transport": [
            "The Baku-Tbilisi-Kars railway carried {n} thousand tons of cargo in the reporting period.",
            "The Middle Corridor continues to attract cargo between China and Europe through {C}.",
            "A new flight between {city} and {city2} will be launched on {day}, the airline said.",
            "Construction of the highway linking {city} and the regions is {pct} percent complete.",
        ],
        "society": [
            "The national team of {C} won {n} medals at the European championship in {city2}.",
            "Temperatures in {city} will reach {pct} degrees on {day}, forecasters said.",
            "An international film festival will be held in {city} with guests from {C2}.",
            "The ministry of education of {C} said {n} schools would be renovated this year.",
            "The exhibition of {A} carpets opened at the museum in {city} on {day}.",
            "Police in {city} warned drivers about road works on the central avenue until {day}.",
        ],
    },
}
TITLES: dict[str, list[str]] = {
    "defense": [
        "{C}, {C2} hold joint military exercises", "Ceasefire violated on {border}, ministry says",
        "{A} army begins large-scale drills near {place}",
        "Defense ministers of {C} and {C2} discuss cooperation",
        "{C} to buy {equip} from {C2}", "Air defense intercepts drones over {place}",
        "Military exercises with {equip} end in {place}", "{C} raises defense budget by {pct}%",
    ],
    "diplomacy": [
        "{FM} to visit {C2}", "{C}, {C2} sign strategic partnership declaration",
        "{FM} meets {A2} counterpart in {city2}", "Baku-Yerevan peace talks resume in {city2}",
        "{C} and {C2} hold political consultations", "{A} ambassador summoned in {city2}",
        "{C}, {C2} sign {n} documents during state visit",
        "{HEAD} discusses regional security with {A2} envoy",
    ],
    "general": [
        "Trade between {C} and {C2} up {pct}%",
        "Oil prices rise as Brent nears ${price}", "{A} inflation slows to {pct}%",
        "New {city}-{city2} flight to launch", "{C} harvests {n} thousand tons of wheat",
        "Tourist arrivals in {C} grow {pct}%",
        "Weather: {city} to see {pct} degrees", "Film festival opens in {city}",
    ],
}  # fmt: skip
FOREIGN: dict[str, dict[str, list[str]]] = {
    "ru": {
        "defense": ["Министерство обороны сообщило о начале совместных военных учений.",
                    "Режим прекращения огня был нарушен {n} раз за прошедшие сутки.",
                    "В учениях приняли участие {n} военнослужащих, бронетехника и артиллерия.",
                    "Министр обороны проверил боеготовность подразделений на границе.",
                    "Подразделения ПВО перехватили {n} беспилотников, сообщили в ведомстве.",
                    "Стороны обсудили военно-техническое сотрудничество и подготовку офицеров."],
        "diplomacy": ["Министр иностранных дел провел переговоры с коллегой в {city}.",
                      "Стороны обсудили стратегическое партнерство и мирный процесс.",
                      "Подписан меморандум о сотрудничестве в области энергетики и транспорта.",
                      "Президент принял верительные грамоты нового посла.",
                      "Политические консультации министерств иностранных дел прошли в {city}.",
                      "Визит министра иностранных дел откроет новую страницу в отношениях."],
        "general": ["Товарооборот вырос на {pct} процентов по итогам полугодия.",
                    "В {city} ожидается потепление до {pct} градусов.",
                    "Цены на нефть марки Brent выросли до {price} долларов за баррель.",
                    "Инфляция замедлилась до {pct} процентов, сообщил статистический комитет.",
                    "Новый авиарейс в {city} начнет выполняться с понедельника.",
                    "Фермеры собрали {n} тысяч тонн пшеницы."],
    },
    "az": {
        "defense": ["Müdafiə Nazirliyi birgə hərbi təlimlərin başladığını bildirib.",
                    "Atəşkəs rejimi son sutka ərzində {n} dəfə pozulub.",
                    "Təlimlərdə {n} hərbi qulluqçu və zirehli texnika iştirak edir.",
                    "Müdafiə naziri sərhəddəki hərbi hissələrin döyüş hazırlığını yoxlayıb.",
                    "Hava hücumundan müdafiə bölmələri {n} pilotsuz uçuş aparatını zərərsizləşdirib.",
                    "Minatəmizləmə zamanı {n} mina və partlamamış sursat aşkarlanıb."],
        "diplomacy": ["Xarici işlər naziri {city} şəhərində həmkarı ilə görüşüb.",
                      "Tərəflər strateji tərəfdaşlıq və sülh prosesini müzakirə ediblər.",
                      "Enerji sahəsində əməkdaşlığa dair memorandum imzalanıb.",
                      "Prezident yeni səfirin etimadnaməsini qəbul edib.",
                      "Xarici işlər nazirlikləri arasında siyasi məsləhətləşmələr keçirilib.",
                      "Nazirin səfəri ikitərəfli münasibətlərdə yeni mərhələ açır."],
        "general": ["Ticarət dövriyyəsi {pct} faiz artıb.", "{city} şəhərində hava {pct} dərəcə isti olacaq.",
                    "Brent markalı neftin qiyməti {price} dollara yüksəlib.",
                    "İnflyasiya {pct} faizə qədər azalıb.", "Fermerlər {n} min ton buğda yığıblar.",
                    "Bakıda yeni məktəb binası istifadəyə verilib."],
    },
}  # fmt: skip
TAGS = ["Politics", "Military", "Economy", "Region", "World", "Society", "Energy", "Caucasus", "Analytics"]
