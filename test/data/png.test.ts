// Issue 14, "PNG decoding is hand-written": fast-png decodes palette, 1-bit,
// 16-bit and interlaced PNGs to the same bytes as the 8-bit original; a
// damaged chunk (CRC) is a DatasetError.
import { describe, it, expect } from 'vitest';
import { encode } from 'fast-png';
import { decodePng } from '../../src/data/png.js';
import { DatasetError } from '../../src/errors.js';

const W = 5, H = 3;
const gray = Uint8Array.from({ length: W * H }, (_, i) => (i * 37) % 256);

describe('issue 14: PNG decoding with fast-png', () => {
  it('item "rejects 16-bit": a 16-bit gray PNG decodes to the 8-bit values', () => {
    const d16 = Uint16Array.from(gray, (v) => v * 257);
    const img = decodePng(encode({ width: W, height: H, data: d16, depth: 16, channels: 1 }));
    expect([...img.pixels]).toEqual([...gray]);
  });
  it('item "rejects interlaced": an Adam7-interlaced RGB PNG decodes to its pixels', () => {
    const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 11) % 256);
    const img = decodePng(encode({ width: W, height: H, data: rgb, depth: 8, channels: 3 }, { interlace: 'Adam7' }));
    expect(img.channels).toBe(3);
    expect([...img.pixels]).toEqual([...rgb]);
  });
  it('item "rejects palette": a palette PNG decodes to the palette colours', () => {
    const palette: [number, number, number][] = [[0, 0, 0], [255, 0, 0], [10, 20, 30]];
    const indices = Uint8Array.from({ length: W * H }, (_, i) => i % 3);
    const img = decodePng(encode({ width: W, height: H, data: indices, depth: 8, channels: 1, palette }));
    expect(img.channels).toBe(3);
    expect([...img.pixels.subarray(0, 9)]).toEqual([0, 0, 0, 255, 0, 0, 10, 20, 30]);
  });
  it('item "rejects 1-bit": a 1-bit gray PNG decodes to 0 and 255', () => {
    // 5 pixels per row, packed MSB first, rows byte-aligned: 10110 -> 0b10110000.
    const packed = new Uint8Array([0b10110000, 0b01001000, 0b11111000]);
    const img = decodePng(encode({ width: W, height: H, data: packed, depth: 1, channels: 1 }));
    expect([...img.pixels]).toEqual([255, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
  });
  it('item "no chunk CRC": a flipped byte in the image data is reported', () => {
    const bytes = encode({ width: W, height: H, data: gray, depth: 8, channels: 1 });
    const bad = bytes.slice();
    bad[bad.length - 20] ^= 0xff;
    expect(() => decodePng(bad, 'x.png')).toThrow(DatasetError);
  });
});
