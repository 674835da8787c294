#!/usr/bin/env python3
"""Builds seed corpora for the fuzz targets from the requests in the tests and the SLDN
articles. Usage: python3 fuzz/seeds.py OUT_DIR [SLDN_ARTICLES_DIR]"""
import hashlib, json, os, re, sys, urllib.parse, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(sys.argv[1])
articles = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else None
counts = {}

def save(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > 65536:
        return
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
    counts[target] = counts.get(target, 0) + 1

def rust_literals(text):
    for m in re.finditer(r'r(#+)"(.*?)"\1', text, re.S):
        yield m.group(2)
    for m in re.finditer(r'(?<![r#\w])"((?:[^"\\]|\\.)*)"', text, re.S):
        s = m.group(1)
        s = re.sub(r'\\\n\s*', '', s)
        s = s.replace('\\"', '"').replace('\\n', '\n').replace('\\t', '\t').replace('\\\\', '\\')
        yield s

texts = []
for p in list(root.glob('tests/**/*')) + list(root.glob('src/**/*.rs')):
    if p.is_file() and p.suffix in ('.rs', '.py', '.js', '.php', '.ts'):
        t = p.read_text(errors='replace')
        texts.append(t)
        for lit in rust_literals(t):
            classify = lit.strip()
            if '<methodCall' in lit:
                save('xmlrpc', classify)
            if 'Envelope' in lit and '<' in lit:
                save('soap', classify)
            if classify.startswith(('mask', '[')) or re.match(r'^[a-zA-Z]+(\.[a-zA-Z]+)*(\[|,|$)', classify) and ('[' in classify or '.' in classify):
                save('mask', classify)
            if classify.startswith('{') and ('operation' in classify or 'orderBy' in classify):
                save('filter', classify)
            for m in re.finditer(r'(SoftLayer_[A-Za-z_]+(?:/[^\s"?]*)?)(\?[^\s"]*)?', lit):
                path = m.group(1)
                q = (m.group(2) or '')
                if '/' in path or q:
                    save('rest', 'GET ' + path + q + '\n')
            for q in re.findall(r'objectFilter=([^&\s"]+)', lit):
                save('filter', urllib.parse.unquote(q))
            for q in re.findall(r'objectMask=([^&\s"]+)', lit):
                save('mask', urllib.parse.unquote(q))

if articles:
    for p in articles.glob('*.md'):
        t = p.read_text(errors='replace')
        for block in re.findall(r'```[a-z]*\n(.*?)```', t, re.S):
            b = block.strip()
            if '<methodCall' in b:
                save('xmlrpc', b)
            if 'Envelope' in b:
                save('soap', b)
            for m in re.finditer(r'/rest/v3(?:\.1)?/([^\s\'"]+)', b):
                url = m.group(1)
                save('rest', 'GET ' + url + '\n')
                body = re.search(r"-d\s+'(.*?)'", b, re.S)
                if body:
                    save('rest', 'POST ' + url + '\n' + body.group(1))
            for q in re.findall(r'objectFilter=([^&\s\'"]+)', b):
                save('filter', urllib.parse.unquote(q))
            for q in re.findall(r'objectMask=([^&\s\'"]+)', b):
                save('mask', urllib.parse.unquote(q))
            try:
                j = json.loads(b)
                if isinstance(j, dict):
                    save('filter', b)
            except Exception:
                pass
        for m in re.findall(r'`(mask[\[.][^`]*)`', t):
            save('mask', m)

print(counts)
