// One card per photo on the upload page: preview, its own style, size, quantity, price and attributes,
// "Same as previous" and "Apply to all selected", progress and status; once its item exists the card
// collapses to the preview, the item's name and a link, and its settings can no longer be changed.
(function () {
  'use strict';

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatBytes(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return Math.round(n / 1024) + ' KB';
    return n + ' bytes';
  }

  function field(wrap, id, label, control) {
    var box = el('span', { class: 'field' });
    box.appendChild(el('label', { for: id }, label));
    control.id = id;
    box.appendChild(control);
    wrap.appendChild(box);
    return control;
  }

  function selectLike(shared, emptyLabel) {
    var select = el('select');
    select.appendChild(el('option', { value: '' }, emptyLabel));
    Array.prototype.forEach.call(shared.options, function (o) {
      if (o.value) select.appendChild(el('option', { value: o.value }, o.textContent));
    });
    return select;
  }

  /**
   * A card for one photo. `o`: { id, number, name, bytes, shared: { style, size }, maxAttributes, settings,
   * onChange, onRemove, onSameAsPrevious, onApplyToSelected }.
   */
  function create(o) {
    var p = 'p' + o.id;
    var li = el('li', { class: 'card photo', 'data-state': 'ready' });
    var head = el('div', { class: 'photo-head' });
    var preview = el('span', { class: 'noimg', role: 'img', 'aria-label': 'No preview of ' + o.name }, 'No preview');
    head.appendChild(preview);
    var title = el('span', { class: 'name' }, o.name);
    head.appendChild(title);
    var sizeLabel = el('span', { class: 'meta size-label' }, formatBytes(o.bytes));
    head.appendChild(sizeLabel);
    var pick = el('label', { class: 'check pick' });
    var selected = el('input', { type: 'checkbox', class: 'select' });
    pick.appendChild(selected);
    pick.appendChild(document.createTextNode(' Select'));
    head.appendChild(pick);
    li.appendChild(head);

    var fields = el('div', { class: 'photo-fields', role: 'group', 'aria-label': 'Settings for ' + o.name });
    var style = field(fields, p + '-style', 'Style', selectLike(o.shared.style, 'Choose a style'));
    var size = field(fields, p + '-size', 'Size', selectLike(o.shared.size, 'Choose a size'));
    var quantity = field(fields, p + '-quantity', 'Quantity', el('input', { type: 'number', min: '0', max: '10000', step: '1', inputmode: 'numeric' }));
    var price = field(fields, p + '-price', 'Price', el('input', { inputmode: 'decimal', maxlength: '12', placeholder: 'style price' }));
    var attrs = el('fieldset', { class: 'attrs' });
    attrs.appendChild(el('legend', null, 'Attributes'));
    var attrRows = el('div', { class: 'attr-rows' });
    attrs.appendChild(attrRows);
    var addAttr = el('button', { type: 'button', class: 'link add-attr' }, 'Add attribute');
    attrs.appendChild(addAttr);
    fields.appendChild(attrs);
    var helpers = el('p', { class: 'helpers' });
    var same = el('button', { type: 'button', class: 'secondary same' }, 'Same as previous');
    var apply = el('button', { type: 'button', class: 'secondary apply' }, 'Apply to all selected');
    helpers.appendChild(same);
    helpers.appendChild(apply);
    fields.appendChild(helpers);
    li.appendChild(fields);

    var progressWrap = el('span', { class: 'meta' });
    var progress = el('progress', { class: 'progress', max: '100', value: '0', 'aria-label': 'Sending ' + o.name });
    progressWrap.appendChild(progress);
    progressWrap.hidden = true;
    li.appendChild(progressWrap);
    var status = el('span', { class: 'meta status', role: 'status' });
    li.appendChild(status);
    var removeWrap = el('span', { class: 'meta' });
    var remove = el('button', { type: 'button', class: 'secondary remove', 'aria-label': 'Remove ' + o.name }, 'Remove');
    removeWrap.appendChild(remove);
    li.appendChild(removeWrap);

    var attrCount = 0;
    function showStylePrice() {
      var shared = style.value ? o.shared.style.querySelector('option[value="' + style.value + '"]') : null;
      price.placeholder = (shared && shared.getAttribute('data-price')) || 'style price';
    }
    function addAttrRow(name, value) {
      if (attrCount >= o.maxAttributes) return;
      var n = attrCount++;
      var row = el('div', { class: 'attr-row' });
      field(row, p + '-attr-name-' + n, 'Name', el('input', { class: 'attr-name', maxlength: '50', placeholder: n === 0 ? 'Color' : '' })).value = name || '';
      field(row, p + '-attr-value-' + n, 'Value', el('input', { class: 'attr-value', maxlength: '200' })).value = value || '';
      attrRows.appendChild(row);
      addAttr.hidden = attrCount >= o.maxAttributes;
    }

    var card = {
      li: li,
      selected: selected,
      progress: progress,
      status: status,
      settings: function () {
        var attributes = [];
        attrRows.querySelectorAll('.attr-row').forEach(function (row) {
          var name = row.querySelector('.attr-name').value;
          var value = row.querySelector('.attr-value').value;
          if (name || value) attributes.push({ name: name, value: value });
        });
        return { style: style.value, size: size.value, quantity: quantity.value, price: price.value, attributes: attributes };
      },
      setSettings: function (s) {
        style.value = s.style || '';
        size.value = s.size || '';
        quantity.value = s.quantity === undefined ? '1' : s.quantity;
        price.value = s.price || '';
        attrRows.textContent = '';
        attrCount = 0;
        var list = (s.attributes || []).slice(0, o.maxAttributes);
        list.forEach(function (a) { addAttrRow(a.name, a.value); });
        while (attrCount < Math.min(2, o.maxAttributes)) addAttrRow('', '');
        showStylePrice();
      },
      /** Names of the chosen style and size, for the collapsed card. */
      itemName: function () {
        var s = style.options[style.selectedIndex];
        var z = size.options[size.selectedIndex];
        return (s && s.value ? s.textContent.replace(/\s*\([^)]*\)$/, '') : 'Item') + (z && z.value ? ', size ' + z.textContent : '');
      },
      setPreview: function (src) {
        if (!src || !li.contains(preview)) return;
        var img = el('img', { src: src, alt: 'Photo ' + o.number + ': ' + o.name, width: '120', height: '150' });
        preview.replaceWith(img);
        preview = img;
      },
      setState: function (state, message) {
        li.setAttribute('data-state', state);
        status.textContent = message || '';
        var editable = state === 'ready' || state === 'refused';
        fields.hidden = !(state === 'ready');
        removeWrap.hidden = !editable;
        pick.hidden = state !== 'ready';
        if (state !== 'ready') selected.checked = false;
      },
      showProgress: function (share) {
        progressWrap.hidden = share === null;
        if (share !== null) progress.value = Math.round(share * 100);
      },
      openSettings: function () { fields.hidden = false; style.focus(); },
      collapse: function (itemPk, name) {
        li.setAttribute('data-state', 'done');
        li.classList.add('collapsed');
        fields.remove();
        pick.remove();
        removeWrap.remove();
        progressWrap.remove();
        title.textContent = name;
        sizeLabel.textContent = o.name;
        status.textContent = '';
        status.appendChild(document.createTextNode('Done: '));
        status.appendChild(el('a', { href: '/items/' + itemPk, class: 'item-link' }, 'View item ' + itemPk));
      },
    };

    addAttr.addEventListener('click', function () { addAttrRow('', ''); o.onChange(card); });
    fields.addEventListener('input', function () { o.onChange(card); });
    fields.addEventListener('change', function () {
      showStylePrice();
      o.onChange(card);
    });
    same.addEventListener('click', function () { o.onSameAsPrevious(card); });
    apply.addEventListener('click', function () { o.onApplyToSelected(card); });
    remove.addEventListener('click', function () { o.onRemove(card); });
    card.setSettings(o.settings);
    return card;
  }

  window.UploadCards = { create: create, formatBytes: formatBytes, el: el };
})();
