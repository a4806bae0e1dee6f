// PNG images for prediction, decoded by fast-png (a maintained decoder that
// checks chunk CRCs and handles every PNG variant: 1/2/4/8/16-bit, gray,
// gray+alpha, RGB, RGBA, palette, Adam7 interlacing). The result is one byte
// per channel, as the datasets store pixels: 16-bit samples are rounded to 8
// bits, 1/2/4-bit ones scaled to 0..255, palette entries expanded to RGB(A).
// The image keeps its size: callers compare it with the model's input (the
// CLI refuses other sizes and asks for a resize rather than guessing one).
import { decode, convertIndexedToRgb, hasPngSignature, type DecodedPng } from 'fast-png';
import { DatasetError } from '../errors.js';

export interface DecodedImage {
  name: string;
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** height x width x channels bytes. */
  pixels: Uint8Array;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && hasPngSignature(bytes);
}

/** Samples of depth < 8 are packed, rows byte-aligned: unpacked and scaled to 0..255. */
function unpackLowDepth(png: DecodedPng, scale: boolean): Uint8Array {
  const { width, height, channels, depth } = png;
  const src = png.data as Uint8Array;
  const perRow = width * channels;
  const stride = Math.ceil((perRow * depth) / 8);
  const max = (1 << depth) - 1;
  const out = new Uint8Array(height * perRow);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = src[y * stride + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * perRow + i] = scale ? Math.round((v * 255) / max) : v;
    }
  }
  return out;
}

export function decodePng(bytes: Uint8Array, name = 'PNG'): DecodedImage {
  if (!isPng(bytes)) throw new DatasetError(`${name} is not a PNG file`);
  let png: DecodedPng;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (e) {
    throw new DatasetError(`${name}: damaged PNG (${(e as Error).message})`);
  }
  const { width, height } = png;
  if (!(width > 0 && height > 0)) throw new DatasetError(`${name}: PNG without pixels (${width}x${height})`);
  if (png.palette) {
    // Indices first (unpacked, not scaled), then the palette's colours.
    const indices = png.depth < 8 ? unpackLowDepth(png, false) : (png.data as Uint8Array);
    const rgb = convertIndexedToRgb({ ...png, data: indices, depth: 8 });
    const channels = rgb.length / (width * height);
    if (channels !== 3 && channels !== 4) throw new DatasetError(`${name}: unexpected palette expansion (${channels} channels)`);
    return { name, width, height, channels, pixels: rgb };
  }
  const { channels } = png;
  if (channels < 1 || channels > 4) throw new DatasetError(`${name}: PNG with ${channels} channels`);
  let pixels: Uint8Array;
  if (png.depth === 16) {
    const d = png.data as Uint16Array;
    pixels = new Uint8Array(d.length);
    for (let i = 0; i < d.length; i++) pixels[i] = Math.round((d[i] * 255) / 65535);
  } else if (png.depth < 8) {
    pixels = unpackLowDepth(png, true);
  } else {
    pixels = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  }
  if (pixels.length !== width * height * channels) throw new DatasetError(`${name}: truncated PNG image data`);
  return { name, width, height, channels, pixels };
}
