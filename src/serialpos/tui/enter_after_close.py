"""An Enter pressed again just after a screen closed by Enter: not taken by the screen beneath.

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

A screen opened since the close (a question that follows the dialog: "Void S01-000123?" after
the order menu's Void picked by Enter, "give the change anyway?" after a payment refused) is
watched too, for a shorter moment: an Enter within :data:`FOLLOW_UP_WINDOW` of the closing
Enter is the same press repeated (a double press's second Enter, a bounce, a CR LF), which
answered the question's default unseen: it voided the sale. No person reads a question that
opened with their Enter and answers it within half a second; one who answers it quickly, after
that, is answered, and ``y``/``n`` (any key but Enter) answer at once, as they end the watch.
Nor is an Enter dropped where the field in front holds text: it submits what is there (typed
or scanned after the close, whose keys ended the watch anyway, or put there by the screen),
not nothing; a question's form opened by a refused step (the offline PIN) is answered that
way.

Why a time after the closing Enter, not after the close: the close may come much later (a
dialog checked on a thread), and the key clock is when keys were typed, the one clock tests
set. Why no wider rule (any key, any close): a character after a close may begin a scan, and a
close by Esc is not followed by an Enter meant for the dialog.

Pure Python (no Textual): the app tells it each key and each close
(``SerialposApp._route_key``, ``pop_screen``).
"""

from __future__ import annotations

#: The keys that are an Enter: Enter itself and a line feed (a scanner's CR LF, Ctrl+J).
ENTER_KEYS = frozenset({"enter", "ctrl+j"})

#: Seconds after the closing Enter in which another Enter is a repeat, not a new press. A
#: bounce or a CR LF comes within milliseconds, an impatient double press within a few tenths;
#: a person reading the screen beneath takes longer than this before pressing Enter there.
REPEAT_WINDOW = 0.75

#: Seconds after the closing Enter in which an Enter on a screen opened since (a follow-up
#: question) repeats it. A double press's second Enter comes within half a second (the common
#: double-click threshold), a bounce or a CR LF within milliseconds; a person reading the new
#: question takes longer, and one who knows it is not held up past this.
FOLLOW_UP_WINDOW = 0.5


class EnterAfterClose:
    """Watches closes and the keys after them; :meth:`repeat` says whether an Enter is to be
    dropped. The app tells it which key closed a screen (:meth:`closed`), and each key after."""

    def __init__(
        self, window: float = REPEAT_WINDOW, follow_up_window: float = FOLLOW_UP_WINDOW
    ) -> None:
        self.window = window
        self.follow_up_window = follow_up_window
        self._armed_at: float | None = None  # a screen closed by the Enter typed then

    @property
    def watching(self) -> bool:
        """A screen closed by an Enter and no other key came since: the next Enter may be a
        repeat (the app reads that key's time only then)."""
        return self._armed_at is not None

    def closed(self, enter_at: float | None) -> None:
        """A screen closed; ``enter_at``: when the Enter that closed it was typed, None when
        the latest key was no Enter (Esc, a letter, a scan's last character)."""
        self._armed_at = enter_at

    def other_key(self) -> None:
        """A key that is no Enter went on: a scan or typing begins; the watch ends."""
        self._armed_at = None

    def repeat(self, at: float, *, follow_up: bool = False) -> bool:
        """Whether the Enter typed at ``at`` repeats the one that closed a screen (dropped);
        one past the moment ends the watch and goes on. ``follow_up``: it lands on a screen
        opened since the close (a question), watched for :attr:`follow_up_window`."""
        armed = self._armed_at
        if armed is None:
            return False
        if at - armed <= (self.follow_up_window if follow_up else self.window):
            return True
        self._armed_at = None
        return False
