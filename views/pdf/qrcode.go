package pdf

import (
	"container/list"
	"fmt"
	"sync"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"hotline/views/pdf/qr"
)

const (
	// qrMaxVersion is the largest QR version printed; a longer payload
	// is split into several symbols joined by structured append. At
	// qrModule a version 15 symbol (77 modules) is 26 mm wide, 29 mm with
	// its quiet zone: four of them, 1,640 bytes, fit side by side across
	// the 128 mm of an A5 page in one strip under 30 mm tall, and each is
	// small enough for a pharmacy's hand-held scanner to take in at once.
	// Larger versions hold little more per area and need a closer, steadier
	// scan; smaller ones spend more on headers and quiet zones.
	qrMaxVersion = 15
	// qrModule is the module size in millimetres: 4 dots at 300 dpi, 8
	// at 600 dpi, so each module prints as whole dots, well above the
	// 0.25 mm that common 2-D scanners resolve.
	qrModule = 25.4 / 300 * 4
	// qrCacheSize is how many encoded payloads are kept: a document
	// printed again (a reprint, several copies) is not encoded again.
	qrCacheSize = 64
)

// qrCode is a payload encoded as one QR symbol or a structured append
// sequence, each symbol as a PNG at one pixel per module.
type qrCode struct {
	pngs    [][]byte
	modules []int // modules per side of each symbol
}

// qrEncode encodes payload in byte mode at level M, in symbols of at most
// maxVersion (qrMaxVersion for print; 40 for one symbol whatever its
// size), split by structured append when one is not enough; Shift_JIS
// text is split only between characters when sjis is set. The result is
// kept in a small process-wide cache, so a payload is encoded once.
func qrEncode(payload []byte, sjis bool, maxVersion int) (*qrCode, error) {
	key := fmt.Sprintf("%d/%t/%s", maxVersion, sjis, payload)
	if q := qrCache.get(key); q != nil {
		return q, nil
	}
	opt := qr.Options{MaxVersion: maxVersion}
	if sjis {
		opt.CharStart = qr.ShiftJISCharStart
	}
	syms, err := qr.Encode(payload, opt)
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	q := &qrCode{}
	for _, s := range syms {
		q.pngs = append(q.pngs, s.PNG())
		q.modules = append(q.modules, s.Size)
	}
	qrCache.put(key, q)
	return q, nil
}

// width is the width of the symbols side by side at module millimetres a
// module, with a quiet zone between and around them.
func (q *qrCode) width(module float64) float64 {
	w := 0.0
	for _, n := range q.modules {
		w += float64(n+qr.QuietZone) * module
	}
	return w + qr.QuietZone*module
}

// height is the height of the row of symbols with their quiet zones.
func (q *qrCode) height(module float64) float64 {
	h := 0
	for _, n := range q.modules {
		h = max(h, n)
	}
	return float64(h+2*qr.QuietZone) * module
}

// components places the symbols side by side in a cell, the quiet zone of
// the first starting x millimetres from its left and y from its top.
func (q *qrCode) components(x, y, module float64) []core.Component {
	var cs []core.Component
	x += qr.QuietZone * module
	for i, p := range q.pngs {
		side := float64(q.modules[i]) * module
		cs = append(cs, placed{image.NewFromBytes(p, extension.Png, props.Rect{Percent: 100}),
			x, y + qr.QuietZone*module, side, side})
		x += side + qr.QuietZone*module
	}
	return cs
}

// placed draws a component inside the rectangle (x, y, w, h) of its cell,
// in millimetres from the cell's top-left corner, whatever the cell's
// size: a QR symbol at an exact size, the boxes of a form.
type placed struct {
	core.Component
	x, y, w, h float64
}

func (p placed) Render(pr core.Provider, cell *entity.Cell) {
	p.Component.Render(pr, &entity.Cell{X: cell.X + p.x, Y: cell.Y + p.y, Width: p.w, Height: p.h})
}

func (p placed) GetHeight(core.Provider, *entity.Cell) float64 { return p.y + p.h }

// lru is a small least-recently-used cache of encoded QR codes.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *lruEntry, most recent first
	byKey map[string]*list.Element
}

type lruEntry struct {
	key string
	q   *qrCode
}

var qrCache = &lru{max: qrCacheSize, order: list.New(), byKey: map[string]*list.Element{}}

func (c *lru) get(key string) *qrCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry).q
	}
	return nil
}

func (c *lru) put(key string, q *qrCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&lruEntry{key, q})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*lruEntry).key)
	}
}

// qrRow adds a row holding the QR code of payload, the symbols side by
// side at module millimetres a module (qrModule for legible print), flush
// right, with caption (e.g. 「処方箋情報（2次元シンボル）」; may be empty)
// beside them on the left, or above them when the space beside is too
// narrow. It fails when the symbols are wider than the page.
func (d *doc) qrRow(payload []byte, sjis bool, module float64, caption string) error {
	q, err := qrEncode(payload, sjis, qrMaxVersion)
	if err != nil {
		return fmt.Errorf("pdf: %s: %w", d.title, err)
	}
	w, h := q.width(module), q.height(module)
	if w > float64(d.w) {
		return fmt.Errorf("pdf: %s: the QR code is %.0f mm wide, more than the page", d.title, w)
	}
	c := col.New(d.w).Add(q.components(float64(d.w)-w, 0, module)...)
	if caption = oneLine(caption); caption != "" {
		beside := float64(d.w) - w
		if d.fi.width(d.fi.sanitize(caption), muted.size)+2*padX+slack <= beside {
			c = c.Add(placed{d.text(caption, muted, qr.QuietZone*module), 0, 0, beside, h})
		} else {
			d.line(caption, style{size: muted.size, color: muted.color, align: align.Right}, 4)
			d.keepWithNext(1)
		}
	}
	d.add(row.New(h).Add(c))
	return nil
}
