"""Function words: whose absence from a translation is usual (articles merge, prepositions change).

Never called untranslated or repeated (attention_warnings.py), never marked as hardly needed on the heatmap's
"needed by the translation" strip. Plain Python, no torch: the window imports it while it starts.
"""

from __future__ import annotations

import re

FUNCTION_WORDS = {
    "en": frozenset(
        """
a an the and or but in on at of to for from with by about as into onto over under is are was were be been being
am have has had do does did will would can could shall should may might must i you he she it we they me him her
us them my your his its our their this that these those there here what who whom which when where why how so
than too very just also all any some
""".split()
    ),
    "de": frozenset(
        """
der die das den dem des ein eine einen einem einer eines und oder aber in im ins an am auf aus bei mit nach von
vom zu zum zur für über unter vor durch gegen ohne um bis ist sind war waren bin bist sein seid hat habe hast
haben hatte hatten wird werden wurde wurden kann können muss müssen soll sollte will wollen ich du er sie es wir
ihr mich dich sich uns euch mir dir ihm ihn ihnen mein meine dein deine seine ihre dass als wie wenn so da ja
auch noch schon nur sehr man was wer wo dies diese dieser dieses hier dort denn doch mal etwas
""".split()
    ),
    "fr": frozenset(
        """
le la les l un une des du de d au aux et ou mais donc ni car à en dans sur sous avec sans pour par chez vers
entre est sont était étaient être été suis es sommes êtes ai as a avons avez ont avait avaient sera seront je tu
il elle on nous vous ils elles me m te t se s lui leur leurs mon ma mes ton ta tes son sa ses notre nos votre vos
ce c cet cette ces ça cela ceci qui que qu quoi dont où quand comme si ne n pas plus y très aussi tout tous toute
toutes bien ici là
""".split()
    ),
}

ANY_FUNCTION_WORD = frozenset().union(*FUNCTION_WORDS.values())  # the output's language is not known here


def bare(word: str) -> str:
    """A word in lower case without the punctuation around it."""
    return re.sub(r"^\W+|\W+$", "", word.lower())


def is_function_word(word: str, language: str = "") -> bool:
    """In `language`'s list (a code such as "en" or "de-DE"), or in any list when the language is not known."""
    words = FUNCTION_WORDS.get(language.split("-")[0].lower(), ANY_FUNCTION_WORD) if language else ANY_FUNCTION_WORD
    return bare(word) in words
