/**
 * A flame graph as ONE self-contained HTML file (inline data, script and style; no network) to
 * attach to a ticket: click a frame to zoom into it (click the root, or Esc, to zoom out), search by
 * regex with the matched total, tooltips with values and percentages, and red/green colours for a
 * diff tree (the terminal view's scheme).
 *
 * Frames below 1/200,000 of the whole are left out of the file to keep it small (they would be far
 * below a pixel wide); they stay counted in their parents' totals.
 */
import {type FlameTree, diffLevel, frameName, frameWhere} from './flame-model.js'

export interface FlameHtmlOptions {
  title: string
  /** The sample unit (nanoseconds, bytes, count …) for the value labels; the tree's by default. */
  unit?: string
}

const KEEP_FRACTION = 1 / 200_000

export function flameHtml(tree: FlameTree, options: FlameHtmlOptions): string {
  const unit = options.unit ?? tree.sampleType.unit
  const whole = Math.max(Math.abs(tree.total[0]), tree.base ? Math.abs(tree.base[0]) : 0)
  const weight = (n: number) => Math.max(Math.abs(tree.total[n]), tree.base ? Math.abs(tree.base[n]) : 0)
  // Nodes kept, renumbered in tree order (parents first); names in one table.
  const names: string[] = []
  const nameIds = new Map<string, number>()
  const keep = new Int32Array(tree.size).fill(-1)
  const parent: number[] = []
  const name: number[] = []
  const total: number[] = []
  const self: number[] = []
  const base: number[] = []
  const level: number[] = []
  const visit = (n: number, p: number) => {
    if (n !== 0 && weight(n) < whole * KEEP_FRACTION) return
    const label = n === 0 ? 'all' : `${frameName(tree, n)}\u0000${frameWhere(tree, n)}`
    let id = nameIds.get(label)
    if (id === undefined) {
      id = names.length
      names.push(label)
      nameIds.set(label, id)
    }
    keep[n] = parent.length
    parent.push(p)
    name.push(id)
    total.push(tree.total[n])
    self.push(tree.self[n])
    if (tree.base) base.push(tree.base[n])
    level.push(diffLevel(tree, n) ?? 0)
    const me = keep[n]
    for (let c = tree.firstChild[n]; c !== -1; c = tree.nextSibling[c]) visit(c, me)
  }
  // Deep trees: an explicit stack would avoid recursion limits, but stacks deeper than a few
  // thousand frames do not occur in profiles.
  visit(0, -1)
  const data = {
    title: options.title,
    unit,
    type: tree.sampleType.type,
    inverted: tree.inverted,
    diff: tree.base !== undefined,
    names,
    parent,
    name,
    total,
    self,
    base,
    level,
  }
  // '<' escaped so no frame name can end the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style></head>
<body>
<header><b id="title"></b> <span id="info"></span>
<input id="search" placeholder="search (regex)" size="24"> <span id="matched"></span> <button id="reset">reset zoom</button></header>
<div id="graph"></div>
<div id="tip"></div>
<footer id="status">click a frame to zoom · click the root or press Esc to zoom out · / to search</footer>
<script id="data" type="application/json">${json}</script>
<script>${SCRIPT}</script>
</body></html>
`
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE = `
body{margin:0;font:12px/1.2 ui-monospace,Menlo,Consolas,monospace;background:#fff;color:#000}
header,footer{padding:6px 8px;background:#f4f4f4}
#graph{position:relative;margin:4px 8px}
.f{position:absolute;height:17px;box-sizing:border-box;border-right:1px solid #fff;border-bottom:1px solid #fff;
   overflow:hidden;white-space:nowrap;padding:1px 3px;cursor:pointer}
.f:hover{outline:1px solid #000;z-index:1}
.m{background:#e040fb!important}
.dim{opacity:.45}
#tip{position:fixed;display:none;pointer-events:none;background:#222;color:#fff;padding:4px 6px;border-radius:3px;max-width:60ch;white-space:pre-wrap}
`

/** Plain ES5-ish script: reads the JSON, lays out the zoomed subtree as absolutely placed divs. */
const SCRIPT = `
(function(){
var d=JSON.parse(document.getElementById('data').textContent);
var n=d.parent.length, kids=[];
for(var i=0;i<n;i++)kids.push([]);
for(var i=1;i<n;i++)kids[d.parent[i]].push(i);
var depth=new Int32Array(n),maxDepth=0;
for(var i=1;i<n;i++){depth[i]=depth[d.parent[i]]+1;if(depth[i]>maxDepth)maxDepth=depth[i];}
var WARM=['#e8702a','#f08a3c','#f0a040','#e0b050','#d86f3b','#e5894f','#f2b35a','#e09a45','#d9532c','#e36a3d','#cc5a25','#dd7a30'];
var RED=['#ffd7d7','#ffafaf','#ff8787','#ff5f5f','#ff0000'],GREEN=['#d7ffd7','#afffaf','#87ff87','#5fff5f','#00ff00'];
function label(i){return d.names[d.name[i]].split('\\u0000')[0]}
function where(i){return d.names[d.name[i]].split('\\u0000')[1]||''}
function hash(s){var h=2166136261;for(var k=0;k<s.length;k++){h^=s.charCodeAt(k);h=Math.imul(h,16777619)}return h>>>0}
function colour(i){var l=d.level[i];if(!d.diff)return WARM[hash(label(i))%WARM.length];if(l===0)return '#d0d0d0';return l>0?RED[l-1]:GREEN[-l-1]}
function fmt(v){var a=Math.abs(v),s=v<0?'-':'';
 if(d.unit==='nanoseconds'){if(a>=1e9)return s+(a/1e9).toFixed(2)+'s';if(a>=1e6)return s+(a/1e6).toFixed(1)+'ms';if(a>=1e3)return s+(a/1e3).toFixed(1)+'us';return s+Math.round(a)+'ns'}
 if(d.unit==='bytes'){var u=['B','KiB','MiB','GiB','TiB'],k=0;while(a>=1024&&k<4){a/=1024;k++}return s+(k?a.toFixed(1):Math.round(a))+u[k]}
 return s+(Math.round(a*100)/100)+(d.unit&&d.unit!=='count'?' '+d.unit:'')}
function pct(a,b){return b?(a/b*100).toFixed(2)+'%':'0%'}
var zoom=0,re=null,graph=document.getElementById('graph'),tip=document.getElementById('tip');
document.getElementById('title').textContent=d.title;
document.getElementById('info').textContent=d.type+' ('+d.unit+') · total '+fmt(d.total[0])+(d.diff?' · diff: base '+fmt(d.base[0])+' (red grew, green shrank)':'')+(d.inverted?' · inverted':'');
function w(i){return Math.max(Math.abs(d.total[i]),d.diff?Math.abs(d.base[i]):0)}
function matches(i){return re!==null&&(re.test(label(i))||re.test(where(i)))}
function draw(){
 var W=graph.clientWidth||window.innerWidth-16,H=17,z0=depth[zoom],rows=maxDepth-z0+1,out=[];
 var anc={};for(var a=zoom;a>=0;a=d.parent[a])anc[a]=1;
 graph.style.height=(rows*H)+'px';graph.innerHTML='';
 var frag=document.createDocumentFragment();
 function place(i,x,width){
  var row=depth[i]-z0,top=d.inverted?row*H:(rows-1-row)*H;
  var el=document.createElement('div');el.className='f'+(matches(i)?' m':'');el.dataset.i=i;
  el.style.left=x+'px';el.style.width=width+'px';el.style.top=top+'px';el.style.background=colour(i);
  if(width>30)el.textContent=label(i);frag.appendChild(el);
  var cx=x,tot=w(i);if(!tot)return;
  for(var k=0;k<kids[i].length;k++){var c=kids[i][k],cw=width*w(c)/tot;if(cw>=0.5){place(c,cx,cw)}cx+=cw}
 }
 place(zoom,0,W);graph.appendChild(frag);
 var m=0,cov=new Uint8Array(n);
 if(re){for(var i=1;i<n;i++){var under=cov[d.parent[i]];if(matches(i)){if(!under)m+=d.total[i];cov[i]=1}else cov[i]=under}}
 document.getElementById('matched').textContent=re?'matched '+fmt(m)+' ('+pct(m,d.total[0])+')':'';
}
graph.addEventListener('click',function(e){var t=e.target.closest('.f');if(!t)return;var i=+t.dataset.i;zoom=(i===zoom)?Math.max(0,d.parent[i]):i;draw()});
graph.addEventListener('mousemove',function(e){var t=e.target.closest('.f');if(!t){tip.style.display='none';return}var i=+t.dataset.i;
 var s=label(i)+(where(i)?'\\n'+where(i):'')+'\\ntotal '+fmt(d.total[i])+' ('+pct(d.total[i],d.total[0])+')\\nself '+fmt(d.self[i])+' ('+pct(d.self[i],d.total[0])+')';
 if(d.diff){var dl=d.total[i]-d.base[i];s+='\\nbase '+fmt(d.base[i])+', '+(dl>=0?'+':'')+fmt(dl)+(d.base[i]?' ('+(dl>=0?'+':'')+pct(dl,d.base[i])+')':'')}
 tip.textContent=s;tip.style.display='block';tip.style.left=Math.min(e.clientX+12,window.innerWidth-300)+'px';tip.style.top=(e.clientY+12)+'px'});
graph.addEventListener('mouseleave',function(){tip.style.display='none'});
var box=document.getElementById('search');
box.addEventListener('input',function(){try{re=box.value?new RegExp(box.value):null;box.style.color=''}catch(x){box.style.color='red'}draw()});
document.getElementById('reset').onclick=function(){zoom=0;draw()};
document.addEventListener('keydown',function(e){if(e.key==='Escape'){zoom=zoom?Math.max(0,d.parent[zoom]):0;draw()}else if(e.key==='/'&&document.activeElement!==box){e.preventDefault();box.focus()}});
window.addEventListener('resize',draw);draw();
})();
`
