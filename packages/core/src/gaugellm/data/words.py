"""The built-in vocabulary that synthetic prompts are written from.

Written for gaugellm (no external corpus, nothing downloaded). Plain lowercase ASCII English, so that one character is
one byte and a tokenizer's offsets fall where we expect. Common function words appear several times: drawing words
uniformly from this tuple then gives text whose word frequencies look roughly like prose, which matters because a
tokenizer splits rare words into more pieces than common ones.
"""

from __future__ import annotations

__all__ = ["WORDS"]

_FUNCTION_WORDS = """
the the the the the the the the a a a a an of of of of to to to to and and and and in in in is is is it it
that that for for on on with with as as was was be be by at from or this this are not but have they we
you he she his her their its our which when where while after before than then also only more most some
each every all any both many much other such these those what who how there here into over under about
between through during without within
"""

_CONTENT_WORDS = """
system data model server request response token latency throughput memory storage network engine cluster
machine process thread queue batch stream signal message record report result number value measure sample
average minimum maximum question answer problem solution reason method example pattern structure context
language sentence paragraph chapter story history science music garden river mountain forest ocean island
village city market street bridge window kitchen table chair letter paper pencil library teacher student
doctor farmer painter writer traveler neighbor family friend child parent brother sister morning evening
night summer winter spring autumn weather season journey harbor lantern candle winter meadow valley field
engineer operator designer builder keeper visitor worker leader member partner customer company office
project budget schedule meeting decision policy standard version release feature change update review
test error warning failure success progress growth balance energy power light sound color shape size
speed distance weight height depth pressure temperature surface center corner edge border line point
circle square triangle pattern rhythm melody harmony voice word name title idea thought memory dream
plan goal task step stage level layer part piece unit group set list order rule law right duty
fact truth story lesson skill habit choice chance risk cost price trade money bank loan account
north south east west ground water fire stone iron wood glass cloth bread salt sugar apple orange
careful quiet bright early late simple complex strong gentle rapid steady narrow broad ancient modern
local remote public private common rare useful curious patient honest clear heavy light warm cold
large small long short high low deep shallow fresh old new young busy calm open closed near far
build carry check choose collect compare consider create deliver describe design develop discover
explain follow gather handle improve include increase keep learn listen measure move notice observe
offer prepare present produce protect provide reach read receive record reduce remember repeat
replace report request return review send serve share show solve start study support teach test
travel understand visit wait walk watch write answer arrive begin believe bring change climb
continue count decide depend divide enjoy expect finish gather grow guide hold imagine join
jump laugh lead lift look make mark mend open paint pass place plant play pull push rest run
seem settle sing sit sleep speak spend stand stay stop take talk tell think touch turn use wander
often always never sometimes usually rarely quickly slowly carefully quietly nearly almost already
again still soon later today tomorrow yesterday together apart ahead behind above below inside outside
"""


def _parse(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: The vocabulary, in a fixed order: changing it changes every synthetic prompt, so treat it as data, not code.
WORDS: tuple[str, ...] = _parse(_FUNCTION_WORDS) + _parse(_CONTENT_WORDS)
