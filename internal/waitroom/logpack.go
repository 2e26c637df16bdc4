package waitroom

import (
	"encoding/binary"
	"errors"
	"time"
)

// PackLog encodes the log as SERVING stores it: the first mark in full, then each mark
// as deltas (milliseconds, serving, reserved), varint-encoded. A mark a second takes
// about 5-7 bytes, so a 600 s window fits in ~4 KB and the whole SERVING item is one
// eventually consistent read of 1 RRU.
func PackLog(l Log) []byte {
	out := make([]byte, 0, 8+len(l)*7)
	var prev Mark
	for i, m := range l {
		if i == 0 {
			out = binary.AppendVarint(out, m.At.UnixMilli())
			out = binary.AppendVarint(out, m.Serving)
			out = binary.AppendVarint(out, m.Reserved)
		} else {
			out = binary.AppendVarint(out, m.At.UnixMilli()-prev.At.UnixMilli())
			out = binary.AppendVarint(out, m.Serving-prev.Serving)
			out = binary.AppendVarint(out, m.Reserved-prev.Reserved)
		}
		prev = m
	}
	return out
}

// ErrBadLog is a packed log that does not decode.
var ErrBadLog = errors.New("waitroom: packed log is malformed")

// UnpackLog decodes what PackLog wrote.
func UnpackLog(b []byte) (Log, error) {
	var l Log
	var at, serving, reserved int64
	for len(b) > 0 {
		var d [3]int64
		for i := range d {
			v, n := binary.Varint(b)
			if n <= 0 {
				return nil, ErrBadLog
			}
			d[i], b = v, b[n:]
		}
		at, serving, reserved = at+d[0], serving+d[1], reserved+d[2]
		l = append(l, Mark{At: time.UnixMilli(at).UTC(), Serving: serving, Reserved: reserved})
	}
	return l, nil
}
