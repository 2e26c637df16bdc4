package mail

import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// Module is the size of one QR module in pixels; quiet is the margin in modules the
// standard asks for, so scanners find the code in any mail client's rendering.
const (
	module = 6
	quiet  = 4
)

// QR returns a PNG of text as a QR code (error correction M, black on white).
func QR(text string) ([]byte, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, err
	}
	w := &pngWriter{}
	if err := q.Save(w); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// pngWriter draws the library's module matrix as a grey-scale PNG.
type pngWriter struct{ buf bytes.Buffer }

func (w *pngWriter) Write(mat qrcode.Matrix) error {
	bits := mat.Bitmap()
	n := len(bits)
	size := (n + 2*quiet) * module
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range module {
				for dx := range module {
					img.SetGray((x+quiet)*module+dx, (y+quiet)*module+dy, color.Gray{})
				}
			}
		}
	}
	return png.Encode(&w.buf, img)
}

func (w *pngWriter) Close() error { return nil }
