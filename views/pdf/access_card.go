package pdf

import (
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/core"

	"hotline/views/pdf/qr"
)

// PatientAccessCard is 「患者様アクセスカード」: an A4 sheet a facility prints
// for a patient, with a card to cut out that holds the patient ID and the
// access code for the patient page. Each card replaces the earlier ones:
// issuing it gives a new access code.
type PatientAccessCard struct {
	Operator      Operator // its SiteName heads the card and the page
	IssuedOn      string   // 発行日, formatted
	PatientName   string   // addressed as 様
	PatientID     string
	AccessCode    string
	FacilityName  string // the facility that issued the card (ask it to reissue)
	FacilityPhone string // optional
	PatientURL    string // the patient page, where the ID and code are entered; also printed as a QR code
	// PageNotOpen: the patient page is not served yet. The card then
	// says so, with neither the address nor the QR code, which would lead
	// nowhere; its ID and code will work once the page opens.
	PageNotOpen bool
}

// pageNotOpenText is what the card says while the patient page is not
// open.
const pageNotOpenText = "患者様ページは準備中です。公開されましたら、このカードの患者IDとアクセスコードでご覧いただけます。"

const (
	titleAccessCard = "患者様アクセスカード"

	// The card is business-card size (名刺判).
	cardW = 91
	cardH = 55.0

	qrSide = 17.0 // millimetres
)

// Render returns the sheet as a PDF. The patient ID and the access code
// are required and must be printable ASCII.
func (c PatientAccessCard) Render() ([]byte, error) {
	if err := credential(titleAccessCard, "患者ID", c.PatientID); err != nil {
		return nil, err
	}
	if err := credential(titleAccessCard, "アクセスコード", c.AccessCode); err != nil {
		return nil, err
	}
	url := oneLine(c.PatientURL)
	if c.PageNotOpen {
		url = ""
	}
	var code *qrCode
	if url != "" {
		// One symbol, whatever its version: it is read by phones.
		var err error
		if code, err = qrEncode([]byte(url), false, 40); err != nil || len(code.pngs) != 1 {
			return nil, fmt.Errorf("pdf: %s: the patient page address is too long for a QR code", titleAccessCard)
		}
	}
	d, err := newDoc(titleAccessCard, a4, Letterhead{Operator: c.Operator})
	if err != nil {
		return nil, err
	}
	site := siteName(c.Operator)
	facility := strings.TrimSpace(c.FacilityName)
	if facility == "" {
		facility = "発行した医療機関"
	}

	d.titleRow(titleAccessCard)
	d.space(3)
	if n := strings.TrimSpace(c.PatientName); n != "" {
		d.paragraph(n+"　様", style{size: 13})
		d.space(1)
	}
	d.paragraph(site+"の患者様ページで、あなたの記録のうち開示されたものと、その閲覧の記録をご覧いただけます。下のカードを点線に沿って切り取り、大切に保管してください。", body)
	d.space(5)

	card, err := d.card(c, site, url, code)
	if err != nil {
		return nil, err
	}
	d.box(cardW, cardH, true, card...)
	d.line("（点線に沿って切り取ってください）", style{size: sizeSmall, color: colorMuted, align: align.Center}, 6)
	d.space(4)

	d.sectionHeading("ご利用方法")
	if c.PageNotOpen {
		d.paragraph(pageNotOpenText+"公開の時期とアドレスは、"+facility+"からご案内します。それまでカードを大切に保管してください。", body)
	} else {
		page := "患者様ページ"
		if url != "" {
			page += "（" + url + "、カードのQRコードからも開けます）"
		}
		d.list([]string{"①", "②"}, []string{
			page + "を開きます。",
			"カードの患者IDとアクセスコードを入力して、ログインします。",
		}, body)
	}
	d.space(2)

	d.sectionHeading("ご注意")
	d.list([]string{"・"}, []string{
		"このカードは、これまでに発行したカードに代わるものです。以前のカードのアクセスコードは使えなくなりました。",
		"カードは大切に保管し、他人に見せたり渡したりしないでください。",
		"紛失したときや、他人に知られたおそれがあるときは、" + facility + "に再発行をお申し出ください。",
	}, body)
	d.space(2)

	issuer := facility
	if p := strings.TrimSpace(c.FacilityPhone); p != "" {
		issuer += "\n電話　" + p
	}
	d.tableRow(10, lab(labelW, "発行元"), val(d.w-labelW, issuer))
	return d.render()
}

// card lays out the contents of the card itself.
func (d *doc) card(c PatientAccessCard, site, url string, code *qrCode) ([]core.Component, error) {
	const (
		valueLeft = padX + 21 // the values start after the longest label
		tiny      = 7.0
	)
	var cs []core.Component
	head := style{size: tiny, color: colorMuted}
	cs = append(cs, d.text(d.truncate(site+"　"+titleAccessCard, head, cardW, 1)[0], head, 3))

	if n := strings.TrimSpace(c.PatientName); n != "" {
		// The whole name is on the sheet above the card; on the card a
		// very long one is shortened.
		size, _ := d.fit(n+"　様", 11, 7, cardW)
		st := style{size: size}
		cs = append(cs, d.text(d.truncate(n+"　様", st, cardW, 1)[0], st, 8))
	}

	// The two values, each on one baseline with its label.
	for i, p := range [][2]string{{"患者ID", c.PatientID}, {"アクセスコード", c.AccessCode}} {
		size, ok := d.fit(p[1], 12, 6, cardW-valueLeft+padX)
		if !ok {
			return nil, fmt.Errorf("pdf: %s: %s is too long to print", titleAccessCard, p[0])
		}
		base := 21.0 + 7.5*float64(i)
		cs = append(cs,
			d.text(p[0], style{size: tiny, color: colorMuted}, base-tiny*ptToMM),
			d.textAt(p[1], style{size: size}, base-size*ptToMM, valueLeft),
		)
	}

	// The bottom lines keep clear of the QR code in the corner, by its
	// quiet zone (4 modules).
	textW := float64(cardW)
	if code != nil {
		module := qrSide / float64(code.modules[0])
		left := cardW - qrSide - 2.5
		textW = left - qr.QuietZone*module + padX
		cs = append(cs, code.components(left-qr.QuietZone*module, cardH-qrSide-2.5-qr.QuietZone*module, module)...)
	}
	fine := style{size: 6.5}
	var bottom []string
	if url != "" {
		bottom = d.wrap(url, fine, textW)
	} else if c.PageNotOpen {
		bottom = d.wrap("患者様ページは準備中です", fine, textW)
	}
	issued := "発行 " + strings.TrimSpace(c.IssuedOn) + "　" + strings.TrimSpace(c.FacilityName)
	bottom = append(bottom, d.truncate(issued, fine, textW, max(1, 5-len(bottom)))...)
	top := cardH - 2.5 - linesHeight(len(bottom), fine) - emTop*fine.mm()
	for i, l := range bottom {
		cs = append(cs, d.text(l, fine, top+float64(i)*fine.pitch()))
	}
	return cs, nil
}
