"""Events other apps listen to. chemicals may not import compliance (the apps depend one way), so the
certificate app learns about verdict changes through this signal and acts in its own services."""

from django.dispatch import Signal

# Sent after commit of an evaluation that changed verdicts; kwargs: changes=[(product_id, old, new), ...]
verdicts_changed = Signal()
