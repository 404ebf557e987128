"""An Enter pressed again just after the Enter that closed a screen or opened a question: not
taken.

A dialog (or a screen) closed by an Enter is gone before a second Enter typed just after it is
read: a cashier's impatient second press, a bouncing key, a scanner's CR LF. That Enter went to
the screen beneath, which acted on it: the Fulfilment report opened a serial entry for its first
row, the sale rang "scan or type a barcode", a list opened its line. :class:`ClosesOnce` only
stops the Enters that reach the dialog itself.

The rule here: once a screen has closed and the last key before it was an Enter, the next key,
if it is an Enter typed within :data:`REPEAT_WINDOW` seconds of that Enter (on the console's
key clock), is dropped (logged), as are Enters after it in the same moment. Any other key ends
the watch: a scan made right after a dialog (its characters, then its Enter) is taken whole, as
is anything typed. An Enter pressed once the moment has passed is taken: a person who reads the
screen beneath before pressing Enter gets what Enter does there.

A question opened by that Enter is watched too, for a shorter moment: an Enter within
:data:`FOLLOW_UP_WINDOW` of the Enter that opened it is the same press repeated (a double
press's second Enter, a bounce, a CR LF), which answered the question's default unseen. The
question may follow a close ("Void S01-000123?" after the order menu's Void picked by Enter,
"give the change anyway?" after a payment refused: the sale was voided) or be asked by an Enter
in a field, no screen closing (:meth:`EnterAfterClose.opened`): the tender's "Take 5,000.00 for
19.99 due?" for an amount typed far over what is owed recorded the payment, receiving's and
counting's "Count 60 AC-USBC1?" for an unlikely quantity counted them. No person reads a
question that opened with their Enter and answers it within half a second; one who answers it
quickly, after that, is answered, and ``y``/``n`` (any key but Enter) answer at once, as they
end the watch. Only a question is watched so (a dialog answered by a person's keys, which Enter
answers: the app says which); a screen or a form opened by an Enter takes the next Enter as
before. Nor is an Enter dropped where the field in front holds text: it submits what is there
(typed or scanned after the close, whose keys ended the watch anyway, or put there by the
screen), not nothing; a question's form opened by a refused step (the offline PIN) is answered
that way.

Why a time after the Enter, not after the close or the question's opening: either may come
much later (a dialog checked on a thread, a quantity checked by a job), and the key clock is
when keys were typed, the one clock tests set. Why no wider rule (any key, any close): a
character after a close may begin a scan, and a close by Esc is not followed by an Enter meant
for the dialog.

Pure Python (no Textual): the app tells it each key, each close and each question opened
(``SerialposApp._route_key``, ``pop_screen``, ``push_screen``).
"""

from __future__ import annotations

#: The keys that are an Enter: Enter itself and a line feed (a scanner's CR LF, Ctrl+J).
ENTER_KEYS = frozenset({"enter", "ctrl+j"})

#: Seconds after the closing Enter in which another Enter is a repeat, not a new press. A
#: bounce or a CR LF comes within milliseconds, an impatient double press within a few tenths;
#: a person reading the screen beneath takes longer than this before pressing Enter there.
REPEAT_WINDOW = 0.75

#: Seconds after the closing Enter in which an Enter on a screen opened since (a follow-up
#: question), or after the Enter that opened a question, repeats it. A double press's second
#: Enter comes within half a second (the common double-click threshold), a bounce or a CR LF
#: within milliseconds; a person reading the new question takes longer, and one who knows it
#: is not held up past this.
FOLLOW_UP_WINDOW = 0.5


class EnterAfterClose:
    """Watches closes, questions opened and the keys after them; :meth:`repeat` says whether an
    Enter is to be dropped. The app tells it which key closed a screen (:meth:`closed`), which
    Enter opened a question (:meth:`opened`), and each key after."""

    def __init__(
        self, window: float = REPEAT_WINDOW, follow_up_window: float = FOLLOW_UP_WINDOW
    ) -> None:
        self.window = window
        self.follow_up_window = follow_up_window
        self._armed_at: float | None = None  # a screen closed by the Enter typed then
        self._question = False  # ... or a question opened by it (no screen closed)

    @property
    def watching(self) -> bool:
        """A screen closed by an Enter (or a question opened by one) and no other key came
        since: the next Enter may be a repeat (the app reads that key's time only then)."""
        return self._armed_at is not None

    def closed(self, enter_at: float | None) -> None:
        """A screen closed; ``enter_at``: when the Enter that closed it was typed, None when
        the latest key was no Enter (Esc, a letter, a scan's last character)."""
        self._armed_at = enter_at
        self._question = False

    def opened(self, enter_at: float) -> None:
        """A question opened while the latest key was the Enter typed at ``enter_at`` (an Enter
        in a field asked it, or closed a screen and asked it): the next Enter within
        :attr:`follow_up_window` of that one repeats it."""
        self._armed_at = enter_at
        self._question = True

    @property
    def question(self) -> bool:
        """The watch is for a question the Enter opened (not for a screen a close revealed)."""
        return self._question and self._armed_at is not None

    def other_key(self) -> None:
        """A key that is no Enter went on: a scan or typing begins; the watch ends."""
        self._armed_at = None
        self._question = False

    def repeat(self, at: float, *, follow_up: bool = False) -> bool:
        """Whether the Enter typed at ``at`` repeats the one that closed a screen or opened a
        question (dropped); one past the moment ends the watch and goes on. ``follow_up``: it
        lands on a screen opened since the close (a question), watched for
        :attr:`follow_up_window`, as a question the Enter opened is."""
        armed = self._armed_at
        if armed is None:
            return False
        short = follow_up or self._question
        if at - armed <= (self.follow_up_window if short else self.window):
            return True
        self.other_key()
        return False
