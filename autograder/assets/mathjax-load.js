// Typesets the feedback's maths with the MathJax copy beside this file: no network needed.
// MathJax 3 with SVG output (tex-svg-full.js draws every glyph itself: no font files).
window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
        processEscapes: true, processEnvironments: true},
  svg: {fontCache: "global"}
};
(function () {
  var here = document.currentScript.src.replace(/[^\/]*$/, "");
  var script = document.createElement("script");
  script.src = here + "tex-svg-full.js";
  script.async = true;
  document.head.appendChild(script);
})();
