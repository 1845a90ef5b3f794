"""simple-history's ``HistoricalRecords``, named in the page's language, and its form for a
model whose many-to-many fields are in its history (``m2m_fields``): each history row then has
a snapshot of them, in a table of its own (``HistoricalVisit_visitors``: one row per visitor
per history row of a visit)."""

from collections.abc import Iterable

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from simple_history import models as simple_history, utils


class HistoricalRecords(simple_history.HistoricalRecords):
    """simple-history's, with the history models named in the page's language: it names them
    "historical visit" in English whatever the language, and a snapshot of a many-to-many
    field by its class name ("HistoricalVisit_visitors"), on the admin's lists of
    permissions among others."""

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        opts = model._meta
        meta["verbose_name"] = format_lazy(_("historical {}"), opts.verbose_name)
        meta["verbose_name_plural"] = format_lazy(
            pgettext_lazy("plural", "historical {}"), opts.verbose_name_plural
        )
        return meta

    def get_meta_options_m2m(self, through_model):
        meta = super().get_meta_options_m2m(through_model)
        owner = through_model._meta.auto_created  # the model whose field made the table
        fields = owner._meta.many_to_many if owner else ()
        for field in fields:
            if field.remote_field.through is through_model:
                meta["verbose_name"] = format_lazy(
                    _("{field} of a historical {model}"),
                    field=field.verbose_name,
                    model=owner._meta.verbose_name,
                )
        return meta


class M2MHistoricalRecords(HistoricalRecords):
    """``HistoricalRecords`` with ``m2m_fields``, and what simple-history leaves to its user:

    - ``save_with_m2m``: one history row per change. simple-history writes a row with a
      snapshot on every save and on every ``m2m_changed``: a visit saved, then its visitors
      ``set()``, got up to three rows, the first holding the visitors as they were.
    - A change made from the other side (``user.visits.add(visit)``) writes the visit's row,
      where simple-history raised ``AttributeError`` (a user has no history).
    - A row loaded from a fixture (``loaddata``) gets no history from its many-to-many values,
      as it gets none from its save (``raw``): simple-history's ``m2m_changed`` does not look at
      ``raw``, and loading the demo wrote a "changed" row for each of its visits.
    - ``m2m_no_db_index``: columns copied from the through table that the snapshot table keeps
      without an index (``no_db_index`` names the model's own columns, and also applies, by
      name, to the copied ones: an ``id`` there would drop the index of the history's ``id``).
    """

    def __init__(self, *args, m2m_no_db_index: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.m2m_no_db_index = set(m2m_no_db_index)

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        if model._meta.auto_created:  # a many-to-many field's through table: the snapshot's
            for name in self.m2m_no_db_index:
                fields[name].db_index = False
        return fields

    def post_save(self, instance, created, using=None, **kwargs):
        if kwargs.get("raw", False):
            # loaddata sets the row's many-to-many values next (``m2m_changed``): no row either.
            instance.skip_history_when_saving = True
        super().post_save(instance, created, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        """From the other side too (``user.visits.add(visit)``): ``instance`` is then the
        related object, and ``pk_set`` the tracked rows, which each get their row here;
        simple-history would look for the related object's history and fail."""
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        field = self.cls._meta.get_field(attr)
        if action == "pre_clear":  # post_clear does not say which rows lost it
            through = kwargs["sender"].objects.filter(**{field.m2m_reverse_field_name(): instance})
            instance._history_m2m_cleared = set(
                through.values_list(f"{field.m2m_field_name()}_id", flat=True)
            )
        if action == "post_clear":
            pk_set = instance.__dict__.pop("_history_m2m_cleared", set())
        if action in ("post_add", "post_remove", "post_clear"):
            for tracked in kwargs["model"].objects.filter(pk__in=pk_set).order_by("pk"):
                super().m2m_changed(tracked, action, attr, pk_set, False)
        return None

    def save_with_m2m(
        self, instance, m2m: dict[str, Iterable], *, update_fields: Iterable[str] | None = None
    ) -> None:
        """Save ``instance`` and set its many-to-many fields (``m2m``: name → related objects)
        with one history row, "created" for a new row, else "changed", whose snapshot holds
        the values as set. ``update_fields`` as for ``save()``: empty saves no column (only
        the many-to-many values changed), and the row is written all the same. The caller
        tells whether anything changed: this writes a row whenever it is called."""
        created = instance._state.adding
        already_skipping = hasattr(instance, "skip_history_when_saving")
        instance.skip_history_when_saving = True
        try:
            instance.save(update_fields=update_fields)
            for name, values in m2m.items():
                getattr(instance, name).set(values)
        finally:
            if not already_skipping:
                del instance.skip_history_when_saving
        self.post_save(instance, created=created)

    def bulk_created(self, instances: Iterable, *, batch_size: int = 500) -> list:
        """A "created" history row for each of ``instances``, stored rows with their
        many-to-many values set but no history (loaded from a fixture), each with its
        snapshot: a query per batch for the rows, one to read the values and a query per
        batch for the snapshots, where ``post_save`` takes three per row. A row's date and
        user are its instance's ``_history_date`` and ``_history_user`` where set."""
        history = getattr(self.cls, self.manager_name)
        rows = history.bulk_history_create(list(instances), batch_size=batch_size)
        by_pk = {getattr(row, self.cls._meta.pk.attname): row for row in rows}
        for field in history.model._history_m2m_fields:
            through = getattr(self.cls, field.name).through
            source = utils.get_m2m_field_name(field)
            names = [f.attname for f in through._meta.fields]
            values = through.objects.filter(**{f"{source}__in": list(by_pk)})
            self.m2m_models[field].objects.bulk_create(
                [
                    self.m2m_models[field](
                        history=by_pk[getattr(value, f"{source}_id")],
                        **{name: getattr(value, name) for name in names},
                    )
                    for value in values
                ],
                batch_size=batch_size,
            )
        return rows
