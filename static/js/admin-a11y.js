/* Admin pages: names for the widgets Django's admin builds in the browser, which its own
   scripts leave unnamed for screen readers (axe-core finds each one:
   tests/browser/test_admin_accessibility_browser.py).

   - The two-box selector (filter_horizontal): each filter box's label holds only an icon, a
     <span> with an aria-label, which a span without a role may not carry; as an image, the
     icon names the box ("Type into this box to filter down the list of available roles").
   - The autocomplete boxes (select2): the box and the value it shows are named after the
     field's <label>, and so is a multiple choice's typing box (no tabular inline, whose
     boxes have no <label>, holds an autocomplete); a multiple choice's "clear all" ×, a
     <span>, is kept out of the list (<ul>) of chosen items, which may hold only items.

   - An autocomplete's open list of choices, which select2 appends to the end of <body>,
     outside the page's landmarks: the list's container is a region named after the field,
     its search box is named after the field, and the box that opened it names the list it
     controls (a combobox that is expanded must: aria-controls) until it closes.

   Loaded by templates/admin/base_site.html on every admin page, deferred: it runs after
   Django's scripts have registered their handlers, so that each of its own runs after the
   one that builds the widget (the selectors on "load", the autocompletes when jQuery finds
   the page ready). No inline that adds rows on the page holds either widget; one that did
   would need its new rows named on "formset:added". */
'use strict';
{
    function nameIcons(root) {
        root.querySelectorAll('.selector .search-label-icon[aria-label]').forEach(function(icon) {
            icon.setAttribute('role', 'img');
        });
    }

    // The id of the <label> of a <select>'s field (given one if it has none), or null.
    function labelId(select) {
        const label = select.id && document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
        if (!label) {
            return null;
        }
        if (!label.id) {
            label.id = select.id + '_label';
        }
        return label.id;
    }

    function nameAfter(element, select, ...others) {
        const id = labelId(select);
        if (id) {
            element.setAttribute('aria-labelledby', [id, ...others].join(' '));
        }
    }

    // Only items in the list of chosen items: select2 puts the "clear all" × first in it on
    // every change; it is moved just before the list, where its style (a float) still applies.
    function keepListItemsOnly(list) {
        Array.from(list.children).forEach(function(child) {
            if (child.tagName !== 'LI') {
                list.before(child);
            }
        });
    }

    function nameAutocompletes(root) {
        root.querySelectorAll('select.admin-autocomplete').forEach(function(select) {
            const container = select.nextElementSibling;
            if (!container || !container.classList.contains('select2')) {
                return;  // the blank row an inline copies
            }
            const selection = container.querySelector('.select2-selection');
            const rendered = container.querySelector('.select2-selection__rendered');
            if (!selection || !rendered) {
                return;
            }
            if (selection.classList.contains('select2-selection--multiple')) {
                nameAfter(selection, select);
                container.querySelectorAll('.select2-search__field').forEach(function(field) {
                    nameAfter(field, select);
                });
                keepListItemsOnly(rendered);
                new MutationObserver(function() { keepListItemsOnly(rendered); })
                    .observe(rendered, {childList: true});
            } else {
                // The box is named by the field and then the value shown; the value by the field.
                if (!rendered.id) {
                    rendered.id = select.id + '_select2_value';
                }
                nameAfter(selection, select, rendered.id);
                nameAfter(rendered, select);
            }
        });
    }

    // The list of choices of ``select``, just opened (select2 builds it anew each time).
    function nameOpenChoices(select) {
        const selection = select.nextElementSibling &&
            select.nextElementSibling.querySelector('.select2-selection');
        const dropdown = document.querySelector('body > .select2-container--open');
        if (!selection || !dropdown) {
            return;
        }
        dropdown.setAttribute('role', 'region');
        nameAfter(dropdown, select);
        dropdown.querySelectorAll('.select2-search__field').forEach(function(field) {
            nameAfter(field, select);
        });
        const results = dropdown.querySelector('.select2-results__options[id]');
        if (results) {
            selection.setAttribute('aria-controls', results.id);
        }
    }

    window.addEventListener('load', function() { nameIcons(document); });
    // Django builds the autocompletes when jQuery finds the page ready, which may come after
    // "load" (jQuery 3 runs its ready handlers asynchronously); this handler follows Django's.
    if (window.django && window.django.jQuery) {
        window.django.jQuery(function() { nameAutocompletes(document); });
        window.django.jQuery(document)
            .on('select2:open', 'select.admin-autocomplete', function(event) {
                nameOpenChoices(event.target);
            })
            .on('select2:close', 'select.admin-autocomplete', function(event) {
                const container = event.target.nextElementSibling;
                const selection = container && container.querySelector('.select2-selection');
                if (selection) {
                    selection.removeAttribute('aria-controls');
                }
            });
    }
}
