package load

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
)

// Chart colours: seats sold green, queue length blue, admitted grey (the legend is in
// PrintStadium's output; the standard library draws no text).
var (
	soldColour     = color.RGBA{0x1a, 0x9e, 0x3a, 0xff}
	queueColour    = color.RGBA{0x1f, 0x5f, 0xd1, 0xff}
	admittedColour = color.RGBA{0x99, 0x99, 0x99, 0xff}
	gridColour     = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
)

// WriteStadiumChart draws the on-sale's timeline as a PNG: seats sold and queue length
// over the seconds since the sale start, on one axis from 0 to the larger of the buyers
// and the seats; a dashed line marks the capacity.
func WriteStadiumChart(w io.Writer, r StadiumResult) error {
	const width, height, pad = 900, 480, 40
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	tl := r.Timeline
	span := 1
	top := max(r.Stadium.Buyers, r.Stadium.Capacity, 1)
	for _, s := range tl {
		span = max(span, s.T)
		top = max(top, s.Queue)
	}
	x := func(t int) int { return pad + (width-2*pad)*t/span }
	y := func(v int) int { return height - pad - (height-2*pad)*v/top }
	for i := 0; i <= 10; i++ {
		gy := y(top * i / 10)
		for gx := pad; gx < width-pad; gx++ {
			img.Set(gx, gy, gridColour)
		}
		gx := x(span * i / 10)
		for yy := pad; yy < height-pad; yy++ {
			img.Set(gx, yy, gridColour)
		}
	}
	for gx := pad; gx < width-pad; gx++ {
		if (gx/6)%2 == 0 {
			img.Set(gx, y(r.Stadium.Capacity), soldColour)
		}
		img.Set(gx, height-pad, color.Black)
	}
	for yy := pad; yy <= height-pad; yy++ {
		img.Set(pad, yy, color.Black)
	}
	series := []struct {
		c   color.Color
		val func(StadiumSecond) int
	}{
		{admittedColour, func(s StadiumSecond) int { return s.Admitted }},
		{queueColour, func(s StadiumSecond) int { return s.Queue }},
		{soldColour, func(s StadiumSecond) int { return s.Sold }},
	}
	for _, se := range series {
		for i := 1; i < len(tl); i++ {
			line(img, x(tl[i-1].T), y(se.val(tl[i-1])), x(tl[i].T), y(se.val(tl[i])), se.c)
		}
	}
	return png.Encode(w, img)
}

// line draws a 2-pixel line from (x0, y0) to (x1, y1) (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.Set(x0, y0, c)
		img.Set(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
