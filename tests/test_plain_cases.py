"""The shipped model on plain, one-paragraph cases of every tag, written for this test.

Each case is a sentence a careful reader tags at once. A retrain that loses them
has learned something other than the guide, whatever its cross-validated score.
Short lines tagged alone are also where a context stage that read "no article
around" as evidence against a tag went wrong.
"""

from __future__ import annotations

import tagger

CASES = [
    (
        "Iraqi troops and coalition jets pushed the militants out of the last villages on the river.",
        "topic",
        "military_operations",
    ),
    (
        "The army suspended its offensive for a week to let civilians leave the old city.",
        "topic",
        "military_operations",
    ),
    (
        "Commandos seized a senior commander of the group in a night-time helicopter raid.",
        "topic",
        "military_operations",
    ),
    ("Mobile networks across the province went down on Friday and have not come back.", "topic", "telecom_internet"),
    (
        "The operator plans to replace its ageing Chinese-made switching equipment next year.",
        "topic",
        "telecom_internet",
    ),
    ("Fighters at checkpoints searched travellers' phones for banned apps and messages.", "topic", "telecom_internet"),
    ("The group's media wing released a video showing the execution of two captives.", "topic", "propaganda"),
    ("Police took down hundreds of accounts that spread the group's recruitment posters.", "topic", "propaganda"),
    ("Its online magazine urged supporters abroad to send money and join the fight.", "topic", "propaganda"),
    ("Gunmen ambushed a police patrol on the desert road, killing four officers.", "topic", "insurgency"),
    ("A suicide bomber blew himself up at a checkpoint outside the town.", "topic", "insurgency"),
    ("Sleeper cells have kidnapped shepherds and extorted farmers for months.", "topic", "insurgency"),
    ("The Islamic State is staging a comeback in the desert, officials fear.", "stance", "threat_rising"),
    ("The group has regrouped in the mountains and is stepping up its attacks.", "stance", "threat_rising"),
    ("Analysts say the militants remain a serious danger and are far from defeated.", "stance", "threat_rising"),
    ("A resurgent Islamic State is exploiting the security vacuum along the border.", "stance", "threat_rising"),
    ("The group has been badly weakened and its attacks are at their lowest in years.", "stance", "threat_falling"),
    ("The militants are on the run, cut off from their supply lines and short of cash.", "stance", "threat_falling"),
    ("Their attempts to regroup have largely failed, a senior officer said.", "stance", "threat_falling"),
    ("Once feared across the region, the group is now a shadow of its former self.", "stance", "threat_falling"),
    ("The parliament voted on the new budget on Tuesday.", "stance", "neutral"),
    ("The operator said it had added 200 new masts in the south.", "stance", "neutral"),
    ('"We will not let them return," a spokesman for the interior ministry told reporters.', "source_type", "official"),
    ("The foreign minister said the talks with Ankara had gone well.", "source_type", "official"),
    (
        '"They are adapting faster than we expected," said a researcher at a Washington think tank.',
        "source_type",
        "expert",
    ),
    ("The war monitor counted 40 attacks in the province last month.", "source_type", "expert"),
    ('"We lock our doors at sunset now," said a farmer in a village near the town.', "source_type", "local"),
    ("A shop owner in the market said business had collapsed since the bombing.", "source_type", "local"),
    (
        "In a statement on its news agency, the group claimed the attack and named the bomber.",
        "source_type",
        "militant",
    ),
    ("A fighter of the group told the reporter they would never give up the town.", "source_type", "militant"),
    ("Documents the group left behind set out rules for its tax collectors.", "source_type", "militant"),
    ("The town sits on the main road between the two provinces and was once a trading hub.", "source_type", "reporter"),
    ("Troops entered the town on Tuesday after a week of air strikes.", "source_type", "reporter"),
]

#: Share of the cases the shipped model must get right, overall and for each task.
MIN_RIGHT = 0.85
MIN_RIGHT_PER_TASK = 0.75


def _right(text_result, task: str, tag: str) -> bool:
    value = text_result[0].tags[task]
    return tag in value if isinstance(value, list) else value == tag


def test_shipped_model_gets_plain_one_paragraph_cases_right():
    results = tagger.predict([text for text, _, _ in CASES], level="paragraph")
    right = [_right(result, task, tag) for result, (_, task, tag) in zip(results, CASES)]
    misses = [case for case, ok in zip(CASES, right) if not ok]
    assert sum(right) >= MIN_RIGHT * len(CASES), misses
    for task in {task for _, task, _ in CASES}:
        mine = [ok for ok, (_, t, _) in zip(right, CASES) if t == task]
        assert sum(mine) >= MIN_RIGHT_PER_TASK * len(mine), (task, misses)
