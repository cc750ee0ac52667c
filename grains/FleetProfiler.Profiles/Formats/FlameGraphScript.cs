namespace FleetProfiler.Profiles.Formats;

/// <summary>The inline CSS and JavaScript of <see cref="FlameGraphSvg"/> (no external URLs).</summary>
internal static class FlameGraphScript
{
    public const string Css = """
        svg { background-color: #eeeeee; }
        text { font-family: Verdana, "DejaVu Sans", sans-serif; fill: #000000; }
        #fp-title { font-size: 17px; }
        #fp-subtitle { fill: #555555; }
        .fp-button { cursor: pointer; fill: #1a4d8f; }
        .fp-button:hover { text-decoration: underline; }
        .fp-hide { display: none; }
        .fp-active { fill: #b0008f; }
        g.f { cursor: pointer; }
        g.f:hover rect { stroke: #000000; stroke-width: 0.6; }
        g.f text { pointer-events: none; }
        g.fp-parent { opacity: 0.55; }
        """;

    // Hover: details line; click: zoom (ancestors stretch and dim, unrelated frames hide); Reset Zoom;
    // Search button, Ctrl-F or F3: regular expression, matches turn magenta and the matched share of
    // the visible width is shown; Escape clears. ?s=term in the URL searches on load.
    // fpSearch(term), fpClearSearch() and fpReset() are global so an embedding page can call them.
    public const string Js = """
        "use strict";
        var fpFrames = [], fpDetails, fpUnzoom, fpSearchBtn, fpMatched, fpW, fpPad, fpFs, fpTerm = null;
        function fpInit(evt) {
          var svg = document.getElementById('fp-root');
          fpW = +svg.getAttribute('data-width');
          fpPad = +svg.getAttribute('data-pad');
          fpFs = +svg.getAttribute('data-font');
          fpDetails = document.getElementById('fp-details');
          fpUnzoom = document.getElementById('fp-unzoom');
          fpSearchBtn = document.getElementById('fp-search');
          fpMatched = document.getElementById('fp-matched');
          var gs = document.getElementById('fp-frames').getElementsByTagName('g');
          for (var i = 0; i < gs.length; i++) fpSetup(gs[i]);
          fpUnzoom.addEventListener('click', fpReset);
          fpSearchBtn.addEventListener('click', fpSearchPrompt);
          window.addEventListener('keydown', function (e) {
            if (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F'))) {
              e.preventDefault();
              fpSearchPrompt();
            } else if (e.key === 'Escape') {
              fpClearSearch();
            }
          });
          var m = /[?&]s=([^&]*)/.exec(window.location.search);
          if (m && m[1]) fpSearch(decodeURIComponent(m[1]));
        }
        function fpSetup(g) {
          var r = g.getElementsByTagName('rect')[0];
          g.fpRect = r;
          g.fpText = g.getElementsByTagName('text')[0];
          g.fpX = +r.getAttribute('x');
          g.fpW = +r.getAttribute('width');
          g.fpY = +r.getAttribute('y');
          g.fpFill = r.getAttribute('fill');
          g.fpInfo = g.getElementsByTagName('title')[0].textContent;
          g.fpName = g.fpInfo.split('\n')[0];
          fpFrames.push(g);
          g.addEventListener('click', function () { fpZoom(g); });
          g.addEventListener('mouseover', function () { fpDetails.textContent = g.fpInfo.replace(/\n/g, ' | '); });
          g.addEventListener('mouseout', function () { fpDetails.textContent = ' '; });
        }
        function fpFit(name, w) {
          var n = Math.floor((w - 6) / (fpFs * 0.59));
          if (n < 3) return '';
          return name.length <= n ? name : name.substring(0, n - 2) + '..';
        }
        function fpPlace(g, x, w) {
          g.fpRect.setAttribute('x', x.toFixed(3));
          g.fpRect.setAttribute('width', w.toFixed(3));
          g.fpText.setAttribute('x', (x + 3).toFixed(3));
          g.fpText.textContent = fpFit(g.fpName, w);
        }
        function fpZoom(z) {
          var eps = 0.01, zx = z.fpX, zw = z.fpW, span = fpW - 2 * fpPad, scale = span / zw;
          for (var i = 0; i < fpFrames.length; i++) {
            var g = fpFrames[i];
            g.classList.remove('fp-parent');
            g.style.display = '';
            if (g.fpY > z.fpY) {
              if (g.fpX <= zx + eps && g.fpX + g.fpW >= zx + zw - eps) {
                g.classList.add('fp-parent');
                fpPlace(g, fpPad, span);
              } else {
                g.style.display = 'none';
              }
            } else if (g.fpX >= zx - eps && g.fpX + g.fpW <= zx + zw + eps) {
              fpPlace(g, fpPad + (g.fpX - zx) * scale, g.fpW * scale);
            } else {
              g.style.display = 'none';
            }
          }
          fpUnzoom.classList.remove('fp-hide');
          if (fpTerm !== null) fpSearch(fpTerm);
        }
        function fpReset() {
          for (var i = 0; i < fpFrames.length; i++) {
            var g = fpFrames[i];
            g.classList.remove('fp-parent');
            g.style.display = '';
            fpPlace(g, g.fpX, g.fpW);
          }
          fpUnzoom.classList.add('fp-hide');
          if (fpTerm !== null) fpSearch(fpTerm);
        }
        function fpSearchPrompt() {
          if (fpTerm !== null) { fpClearSearch(); return; }
          var term = window.prompt('Search frames (regular expression):', '');
          if (term) fpSearch(term);
        }
        function fpSearch(term) {
          var re;
          try { re = new RegExp(term); } catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); }
          fpTerm = term;
          var hits = [];
          for (var i = 0; i < fpFrames.length; i++) {
            var g = fpFrames[i];
            if (re.test(g.fpName)) {
              g.fpRect.setAttribute('fill', 'rgb(230,0,230)');
              if (g.style.display !== 'none' && !g.classList.contains('fp-parent'))
                hits.push([+g.fpRect.getAttribute('x'), +g.fpRect.getAttribute('width')]);
            } else {
              g.fpRect.setAttribute('fill', g.fpFill);
            }
          }
          // Union of matched intervals, so a match nested in a match counts once.
          hits.sort(function (a, b) { return a[0] - b[0]; });
          var covered = 0, end = -1e300;
          for (var j = 0; j < hits.length; j++) {
            var s = Math.max(hits[j][0], end), e = hits[j][0] + hits[j][1];
            if (e > s) { covered += e - s; end = e; }
          }
          fpMatched.textContent = 'Matched: ' + (100 * covered / (fpW - 2 * fpPad)).toFixed(1) + '%';
          fpSearchBtn.textContent = 'Reset Search';
          fpSearchBtn.classList.add('fp-active');
        }
        function fpClearSearch() {
          fpTerm = null;
          for (var i = 0; i < fpFrames.length; i++) fpFrames[i].fpRect.setAttribute('fill', fpFrames[i].fpFill);
          fpMatched.textContent = ' ';
          fpSearchBtn.textContent = 'Search';
          fpSearchBtn.classList.remove('fp-active');
        }
        """;
}
