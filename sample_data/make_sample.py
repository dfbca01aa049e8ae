#!/usr/bin/env python3
"""Writes sample_data/: a small, entirely fictional news dump with its ground truth.

Sixteen invented wire stories are republished by invented outlets with the edits real
syndication shows (cut tails, new headlines, outlet headers and footers, typographic
variants, typos, an appended update), next to hard negatives: two different stories that
share one background paragraph, and short unrelated stories wrapped in the same heavy outlet
boilerplate. Deterministic: run it again and the files come out byte for byte the same.

    python3 sample_data/make_sample.py
"""
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261127)

STORIES = [
    ("Harbor bridge to close for six weeks of repairs", "PORT ALDER", [
        "The Mersey Street bridge in Port Alder will close to all traffic for six weeks from Monday while engineers replace corroded steel beams, the city transport office said on Tuesday.",
        "Inspectors found rust damage on four of the twelve main girders during a routine survey in March. The bridge carries about 18,000 vehicles a day between the harbor district and the northern suburbs.",
        "Buses will be diverted over the Kellan Road crossing, adding up to twenty minutes to journeys at peak times. A free shuttle ferry will run every quarter of an hour between the two piers.",
        "Transport director Miriam Osei said the timing had been chosen to avoid the autumn shipping season. \"We know this is painful for commuters, but the alternative is a much longer closure next year,\" she said.",
        "The repairs are expected to cost 4.2 million crowns, paid from the regional infrastructure fund.",
    ]),
    ("Lindqvist wins third straight marathon title", "VESTHAVEN", [
        "Runner Elsa Lindqvist won the Vesthaven marathon for the third year in a row on Sunday, finishing in two hours, 24 minutes and 51 seconds despite strong headwinds along the coastal stretch.",
        "The 29-year-old broke away from a group of five at the 30-kilometre mark and crossed the line almost two minutes ahead of her training partner, Aino Paasi.",
        "\"The wind off the water was brutal, so I just tried to stay patient,\" Lindqvist said after the race. \"When I saw the lighthouse I knew I had enough left.\"",
        "Organisers said a record 14,300 runners started the race, including 900 in the new wheelchair category.",
    ]),
    ("Regional bank cuts interest rate to 2.75 percent", "NORDBY", [
        "The Nordby Regional Bank cut its main interest rate by a quarter of a point to 2.75 percent on Thursday, its second reduction this year, citing slowing growth and falling fuel prices.",
        "Governor Tomas Reinholt said inflation had dropped to 1.9 percent in October, below the bank's target for the first time since 2021. Markets had expected the move.",
        "The decision was taken by five votes to two, with two board members arguing for a pause until the spring wage talks are concluded.",
        "Mortgage lenders are expected to pass on the cut within weeks. Economists at Halvard Securities said a further reduction in February was now likely.",
        "The krona weakened slightly against the euro after the announcement.",
    ]),
    ("Volunteers plant 40,000 trees on burned hillside", "GRANMOOR", [
        "More than 600 volunteers planted 40,000 saplings on the hills above Granmoor over the weekend, two years after a wildfire destroyed most of the forest there.",
        "The project, led by the Granmoor Woodland Trust, mixes native oak, rowan and birch to make the new forest more resistant to fire than the pine plantation it replaces.",
        "Trust chair Pieter van Aalst said schools from across the valley had taken part. \"Some of these children will walk under these trees with their own grandchildren,\" he said.",
        "A second planting day is planned for March, when the trust hopes to cover the remaining 30 hectares.",
    ]),
    ("Tech start-up Quillmark raises 12 million in funding", "SANDVIK", [
        "Quillmark, a Sandvik start-up that makes software for translating legal contracts, has raised 12 million euros from a group of investors led by Northlight Ventures.",
        "The four-year-old company says its tools are used by more than 300 law firms in nine countries. It plans to double its staff of 85 engineers by the end of next year.",
        "Chief executive Dalia Morcan said the money would also fund a new office in Lisbon. \"Contracts are where language and money meet, and mistakes are expensive,\" she said.",
        "The round values Quillmark at about 90 million euros, according to two people familiar with the deal.",
    ]),
    ("Storm warning issued for northern coast", "KIRKSTAD", [
        "The national weather office issued an orange warning for the northern coast on Friday, forecasting gusts of up to 110 kilometres an hour and waves of eight metres on Saturday night.",
        "Ferry operators cancelled all crossings to the outer islands from Saturday afternoon, and the coastal railway will run a reduced timetable.",
        "Residents were advised to secure loose objects, avoid the sea front and keep phones charged in case of power cuts.",
        "The storm, named Hedda by forecasters, is expected to weaken as it moves inland on Sunday morning.",
    ]),
    ("City museum returns carved panels to island community", "OSTMARK", [
        "The Ostmark City Museum has returned three carved wooden panels to the people of Lauvøy island, more than a century after they were taken by a collector.",
        "The panels, which show fishing scenes and are thought to date from the 1840s, were handed over at a ceremony in the island's meeting hall on Saturday.",
        "Museum director Ragna Solheim said new research had shown the panels were removed without the community's consent. \"Returning them was simply the right thing to do,\" she said.",
        "The island council plans to display the panels in its new heritage centre, which opens next summer.",
    ]),
    ("Hospital opens region's first children's heart unit", "BRENNHOLM", [
        "Brennholm General Hospital opened the region's first dedicated heart unit for children on Wednesday, ending the need for families to travel to the capital for most operations.",
        "The 14-bed unit cost 38 million crowns and will employ 60 staff, including four paediatric heart surgeons recruited from abroad.",
        "Until now about 250 children a year have been sent to hospitals more than 400 kilometres away. Parents' groups had campaigned for the unit for over a decade.",
        "Health minister Jonas Elmqvist, who attended the opening, said a second unit in the south was being considered.",
    ]),
    ("Football club Rovers sack manager after losing run", "TALBRIDGE", [
        "Talbridge Rovers dismissed manager Colm Brennan on Monday after a run of seven defeats left the club second from bottom of the first division.",
        "Brennan, 51, joined Rovers two years ago and led them to promotion in his first season. Assistant coach Yusuf Demir will take charge of the team until a replacement is found.",
        "Club chairman Harold Wexley thanked Brennan for his work but said the board could not risk relegation. Rovers face league leaders Castlemoor on Saturday.",
    ]),
    ("Farmers report record apple harvest", "ELDERVALE", [
        "Fruit growers in the Eldervale valley expect a record apple harvest this year after a warm spring and a wet but mild summer, the growers' association said on Monday.",
        "The association estimates the crop at 61,000 tonnes, 15 percent more than last year's previous record. Cider makers have already increased their orders.",
        "But growers warned that a shortage of seasonal pickers could leave some fruit on the trees. Wages for pickers have risen by about a tenth since last autumn.",
        "Association spokeswoman Greta Hallberg said farms were sharing workers and machinery to cope with the volume.",
    ]),
    ("Airport to add night flights despite noise complaints", "LUNDMARK", [
        "Lundmark Airport will add six night flights a week from April after the regional council approved its request on Thursday, despite objections from residents living under the flight path.",
        "The airport says the flights, mostly cargo, will bring 120 jobs and help it recover from losses during the pandemic years.",
        "Residents' group Quiet Skies said it would appeal. \"People here already sleep with the windows closed,\" said its chair, Bo Lindahl.",
        "Under the agreement, no flights may land between 1am and 5am, and the airport must fund insulation for about 400 homes.",
    ]),
    ("University team builds robot that sorts recycling", "HALMSTEN", [
        "Engineers at Halmsten University have built a robot that sorts household recycling twice as fast as current machines, using cameras and a soft gripper modelled on an octopus arm.",
        "In tests at the city's waste plant the robot picked out plastic, glass and metal items with 96 percent accuracy, the team reported in a paper published this week.",
        "Project leader Sunniva Haug said the soft gripper could handle crushed and dirty packaging that defeats rigid machines. A local recycling firm has agreed to trial two robots next year.",
    ]),
    ("Library lends out tools as well as books", "MIKKELBY", [
        "Mikkelby public library has started lending drills, ladders, sewing machines and camping gear alongside its books, in a scheme it says will cut waste and save families money.",
        "More than 200 items were borrowed in the first fortnight, with pressure washers and tents the most popular. Loans are free for library members and last one week.",
        "Head librarian Ida Fjeld said many items were donated by residents. \"Most people use a drill for a few minutes a year, so why should everyone own one?\" she said.",
    ]),
    ("Power company to build offshore wind farm", "SKARVIK", [
        "Skarvik Energy will build a 45-turbine wind farm off the west coast after winning approval from the national energy agency on Tuesday, the company said.",
        "The farm is expected to produce enough electricity for 260,000 homes when it is completed in 2029. Construction is due to begin in the spring of 2027.",
        "Fishing organisations had objected that the turbines would close important grounds. The company has agreed to fund a study of fish stocks around the site.",
        "The project is estimated to cost 1.1 billion euros.",
    ]),
    ("Chess prodigy, 12, becomes youngest national champion", "ARENBERG", [
        "Twelve-year-old Matteo Sørlie became the youngest national chess champion on record on Sunday, drawing his final game in Arenberg to finish half a point ahead of three grandmasters.",
        "Sørlie, who learned the game from his grandmother at the age of five, won six of his nine games in the tournament.",
        "\"I was very nervous in the last game, so I offered a draw when the position was equal,\" he said. His school has given him a week off to rest.",
    ]),
    ("Water company fined for river pollution", "DALBY", [
        "The Dalby water company was fined 2.3 million crowns on Friday for releasing untreated sewage into the river Ulve on 41 days last year, the environment court said.",
        "The court found that the company had failed to repair a pump station despite repeated warnings from inspectors. Fish deaths were recorded along a seven-kilometre stretch in August.",
        "The company said it accepted the ruling and had since replaced the pumps. Anglers' groups said the fine was too small to change behaviour.",
    ]),
]

# Two unrelated stories that reuse one background paragraph (hard negative) and short
# singletons dressed in one outlet's heavy boilerplate (hard negatives too).
BACKGROUND = "The region has invested heavily in public transport since the 2019 climate agreement, which committed councils to halving car journeys in city centres by 2035."
EXTRA = [
    ("Tram line extension approved", "PORT ALDER", [
        "Port Alder councillors approved a four-kilometre extension of the number 3 tram line to the new hospital district on Wednesday.",
        "The extension will add five stops, including one at the main hospital entrance and one at the planned Kellan Park housing estate, and will cost an estimated 310 million crowns.",
        "Opposition councillors argued that a cheaper bus lane would serve the district just as well, but the plan passed by 31 votes to 18.",
        BACKGROUND,
        "Work is due to start next autumn and the extension should open in 2028, the council said. Trams will run every six minutes at peak times.",
    ]),
    ("Bike rental scheme doubles in size", "NORDBY", [
        "Nordby's public bike rental scheme will double to 2,000 bicycles next year after a record summer, the city's mobility office said.",
        "Riders made 1.4 million trips between May and September, up from 900,000 a year earlier, with the busiest stations around the university and the central station.",
        "Forty new docking stations will be installed, most of them in the eastern districts that the scheme does not yet reach.",
        BACKGROUND,
        "Electric bikes will make up a third of the new fleet, and annual passes will stay at 250 crowns.",
    ]),
]
SHORT = [
    ("Bakery wins national bread award", "MIKKELBY", ["A family bakery in Mikkelby has won the national rye bread award for the second time, beating 140 entries from across the country."]),
    ("Ferry timetable changes from Monday", "KIRKSTAD", ["The island ferry will leave Kirkstad harbour ten minutes earlier on weekdays from Monday to connect with the first train."]),
    ("Choir raises money for new organ", "OSTMARK", ["Ostmark cathedral choir has raised 80,000 crowns towards a new organ with a series of summer concerts."]),
    ("School roof repaired before winter", "GRANMOOR", ["Granmoor primary school's leaking roof has been repaired a month ahead of schedule, the municipality said on Thursday."]),
    ("Market square gets new benches", "DALBY", ["Twenty new oak benches made by a local carpentry workshop have been installed around Dalby's market square."]),
]

HEAVY = {
    "name": "The Valley Clarion",
    "header": ["Subscribe to The Valley Clarion for unlimited access to local news, sport and weather from across the valley.",
               "The Valley Clarion has served readers of the valley since 1888. Sign up to our daily newsletter today."],
    "footer": ["Comments on this story are moderated. Please keep the conversation respectful and on topic.",
               "Copyright The Valley Clarion. All rights reserved. This material may not be republished without permission."],
}
OUTLETS = [
    {"name": "Harbor Gazette", "header": ["Harbor Gazette | Local news you can trust"], "footer": ["Read more local news at the Harbor Gazette."]},
    {"name": "Northern Courier", "header": [], "footer": ["Follow the Northern Courier for updates."]},
    {"name": "Daily Lantern", "header": ["Daily Lantern"], "footer": []},
    {"name": "Coastline Post", "header": [], "footer": ["Story continues after this advertisement. Advertisement."]},
    HEAVY,
]
HEADLINE_PREFIX = ["UPDATE: ", "Breaking: ", "", "Just in: "]
TYPOS = [("the ", "teh "), ("said", "siad"), ("which", "wich"), ("million", "milion")]


def smart(text):
    out, open_q = [], True
    for ch in text:
        if ch == '"':
            out.append("\u201c" if open_q else "\u201d")
            open_q = not open_q
        elif ch == "'":
            out.append("\u2019")
        else:
            out.append(ch)
    return "".join(out)


def compose(outlet, dateline, paras, wire):
    body = list(paras)
    body[0] = f"{dateline} ({wire}) \u2014 {body[0]}" if wire else f"{dateline} \u2014 {body[0]}"
    parts = []
    if outlet:
        parts += outlet["header"]
    parts += body
    if outlet:
        parts += outlet["footer"]
    return "\n\n".join(p for p in parts if p)


docs, truth = [], []
day = 0


def emit(doc_id, cluster, parent, title, text, source, when, url_slug):
    docs.append({"id": doc_id, "title": title, "text": text, "source": source,
                 "date": when, "url": f"https://example.org/{url_slug}/{doc_id}"})
    truth.append({"id": doc_id, "cluster": cluster, "parent": parent})


for si, (title, dateline, paras) in enumerate(STORIES):
    cluster = f"story{si:02d}"
    base = f"2026-10-{1 + si:02d}"
    origin = f"w{si:02d}-0"
    emit(origin, cluster, None, title, compose(None, dateline, paras, "Wiretrace News"),
         "Wiretrace News", f"{base}T08:{10 + si:02d}:00Z", "wire")
    n_versions = [4, 3, 2, 3, 1, 2, 3, 2, 1, 3, 2, 1, 2, 2, 1, 0][si]
    for v in range(1, n_versions + 1):
        outlet = OUTLETS[(si + v) % 4]
        p = list(paras)
        edits = rng.sample(["cut", "headline", "typo", "smart", "update"], 2)
        t = title
        if "cut" in edits and len(p) > 2:
            p = p[: rng.randint(2, len(p) - 1)]
        if "headline" in edits:
            t = rng.choice(HEADLINE_PREFIX) + title.lower().capitalize()
        if "update" in edits:
            day = ['Monday', 'Tuesday', 'Wednesday'][v % 3]
            p = p + [f"Update: {dateline.title()} officials said on {day} that further details would be published later this week."]
        text = compose(outlet, dateline, p, "Wiretrace News")
        if "typo" in edits:
            a, b = rng.choice(TYPOS)
            text = text.replace(a, b, 1)
        if "smart" in edits:
            text = smart(text)
        emit(f"w{si:02d}-{v}", cluster, origin, t, text, outlet["name"],
             f"{base}T{9 + v:02d}:{rng.randint(0, 59):02d}:00Z", outlet["name"].lower().replace(" ", "-"))

for ei, (title, dateline, paras) in enumerate(EXTRA):
    emit(f"x{ei}", f"extra{ei}", None, title, compose(None, dateline, paras, "Wiretrace News"),
         "Wiretrace News", f"2026-10-2{ei}T07:00:00Z", "wire")
for hi, (title, dateline, paras) in enumerate(SHORT):
    emit(f"h{hi}", f"short{hi}", None, title, compose(HEAVY, dateline, paras, None),
         HEAVY["name"], f"2026-10-2{3 + hi}T12:00:00Z", "valley-clarion")

# Input order is not time order: a dump rarely is.
order = list(range(len(docs)))
rng.shuffle(order)
with open(os.path.join(HERE, "news.jsonl"), "w", encoding="utf-8") as f:
    for i in order:
        f.write(json.dumps(docs[i], ensure_ascii=False) + "\n")
with open(os.path.join(HERE, "news.truth.jsonl"), "w", encoding="utf-8") as f:
    for i in order:
        f.write(json.dumps(truth[i]) + "\n")

# A folder of .txt stories in the `date ... By ...` layout: three stories, two reprinted.
folder = os.path.join(HERE, "stories")
os.makedirs(folder, exist_ok=True)
authors = ["Anna Berg", "Lars Moen", "Kari Dahl"]
for si in (3, 6, 12):
    title, dateline, paras = STORIES[si]
    with open(os.path.join(folder, f"{si:02d}-original.txt"), "w", encoding="utf-8") as f:
        f.write(f"date 2026-10-{1 + si:02d} By {authors[si % 3]}\n{title}\n\n" + "\n\n".join(paras) + "\n")
    if si != 12:
        with open(os.path.join(folder, f"{si:02d}-reprint.txt"), "w", encoding="utf-8") as f:
            f.write(f"date 2026-10-{2 + si:02d} By {authors[(si + 1) % 3]}\n{title.upper()}\n\n" + "\n\n".join(paras[:3]) + "\n\nReprinted with permission.\n")
print(f"{len(docs)} documents, {len(set(t['cluster'] for t in truth))} stories")
