#!/usr/bin/env python3
# Checks the application icons: well-formed SVG, the file names the desktop
# entry expects, the canvas size (128 for the full-colour icon, 16 for the
# symbolic one), no raster images, scripts or external references, and a
# single colour in the symbolic icon so that GTK can recolour it.
#
# usage: check-icons.py --app-id ID SCALABLE_SVG SYMBOLIC_SVG

import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

SVG_NS = '{http://www.w3.org/2000/svg}'
XLINK_HREF = '{http://www.w3.org/1999/xlink}href'
FORBIDDEN_TAGS = {'image', 'script', 'foreignObject', 'style'}
PAINT_ATTRS = ('fill', 'stroke', 'stop-color', 'color')


def local(tag):
    return tag.split('}', 1)[1] if tag.startswith('{') else tag


def check_svg(path, size, symbolic, errors):
    def err(msg):
        errors.append(f'{path}: {msg}')

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        err(f'not well-formed XML: {e}')
        return
    if root.tag != SVG_NS + 'svg':
        err(f'root element is {root.tag}, expected an SVG <svg> element')
        return

    view_box = root.get('viewBox', '').replace(',', ' ').split()
    if view_box != ['0', '0', str(size), str(size)]:
        err(f'viewBox is {root.get("viewBox")!r}, expected "0 0 {size} {size}"')
    for dim in ('width', 'height'):
        value = root.get(dim)
        if value is not None and re.sub(r'(px)?$', '', value) != str(size):
            err(f'{dim} is {value!r}, expected {size}')

    colours = set()
    shapes = 0
    for el in root.iter():
        name = local(el.tag)
        if name in FORBIDDEN_TAGS:
            err(f'contains <{name}>')
        if name in ('path', 'rect', 'circle', 'ellipse', 'polygon'):
            shapes += 1
        for attr in ('href', XLINK_HREF):
            ref = el.get(attr)
            if ref is not None and not ref.startswith('#'):
                err(f'<{name}> references an external resource {ref!r}')
        for attr in PAINT_ATTRS:
            value = el.get(attr)
            if value and value not in ('none', 'currentColor') and not value.startswith('url('):
                colours.add(value.lower())
        if el.get('style'):
            err(f'<{name}> uses a style attribute; use presentation attributes')
    if shapes == 0:
        err('draws nothing')
    if symbolic:
        if len(colours) > 1:
            err(f'symbolic icon uses several colours: {sorted(colours)}')
        if any(local(el.tag) in ('linearGradient', 'radialGradient', 'mask', 'filter')
               for el in root.iter()):
            err('symbolic icon must not use gradients, masks or filters')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('scalable')
    ap.add_argument('symbolic')
    args = ap.parse_args()

    errors = []
    if os.path.basename(args.scalable) != args.app_id + '.svg':
        errors.append(f'{args.scalable}: expected the name {args.app_id}.svg')
    if os.path.basename(args.symbolic) != args.app_id + '-symbolic.svg':
        errors.append(f'{args.symbolic}: expected the name {args.app_id}-symbolic.svg')
    check_svg(args.scalable, 128, False, errors)
    check_svg(args.symbolic, 16, True, errors)

    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        return 1
    print('icons: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
