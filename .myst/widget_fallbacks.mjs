// mystmd plugin for the book (listed under project.plugins in myst.yml).
//
// What it does: in a notebook output that holds an ipywidgets view
// (application/vnd.jupyter.widget-view+json) *and* a static form of it (an
// image/* or text/html representation), it drops the widget view, so the book
// shows the static form: the KL explorer's and the snapshot stepper's PNG of
// their starting setting, the quiz as HTML with its answers folded.
//
// Why it is needed: the book theme cannot run widgets (no kernel). It renders
// an output with a widget view through thebe-core, whose stripWidgets()
// removes the view and, when the bundle has no text/html, *adds* a placeholder
// ("a Jupyter kernel connection is required") that outranks image/png; the
// explorers' fallback figures would never show. Without the view the output
// is a plain image, which the theme draws as an <img>.
// (@myst-theme/jupyter 1.4: output.js, safe.js; thebe-core 0.5: utils.js.)
//
// What it is not: a change to the notebooks. JupyterLab still shows the live
// widgets; only the book's copy of each output loses the view it cannot draw.
// tests/test_book.py checks every lesson page against its notebook.

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';

function hasStaticForm(data) {
  return Object.keys(data).some((mime) => mime.startsWith('image/') || mime === 'text/html');
}

function stripViews(node) {
  if (!node || typeof node !== 'object') return 0;
  let stripped = 0;
  if (node.type === 'output') {
    // mystmd >= 1.4: one output per node (jupyter_data); older: a list (data)
    const outputs = node.jupyter_data ? [node.jupyter_data] : Array.isArray(node.data) ? node.data : [];
    for (const output of outputs) {
      const data = output && output.data;
      if (data && data[WIDGET_VIEW] !== undefined && hasStaticForm(data)) {
        delete data[WIDGET_VIEW];
        stripped += 1;
      }
    }
  }
  for (const child of node.children ?? []) stripped += stripViews(child);
  return stripped;
}

const widgetFallbacks = {
  name: 'widget-fallbacks',
  doc: 'Show the static form (image or HTML) of ipywidgets outputs instead of a "kernel required" placeholder.',
  stage: 'document',
  plugin: () => (tree) => {
    stripViews(tree);
  },
};

export default {
  name: 'gan-course book',
  transforms: [widgetFallbacks],
};
