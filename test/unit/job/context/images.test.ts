// job/context/images: which upload references count as images, what bytes count as an image, and the file
// names the job picks (never the note's path).
import { describe, expect, it } from "vitest";
import { findUploadImages, safeName, sniffImage } from "../../../../job/context/images.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

describe("job/context/images", () => {
  it("finds markdown images of /uploads/, each once", () => {
    const text = [
      `![screen](/uploads/${SECRET}/screen.png)`,
      `![](/uploads/${SECRET}/screen.png) again`,
      `[log](/uploads/${SECRET}/build.log) is a link, not an image`,
      `![other](https://elsewhere.example/uploads/${SECRET}/x.png) is not ours`,
      `![b]( /uploads/${SECRET.toUpperCase()}/b%20c.jpg "title")`,
    ].join("\n");
    expect(findUploadImages(text)).toEqual([
      { secret: SECRET, filename: "screen.png" },
      { secret: SECRET, filename: "b%20c.jpg" },
    ]);
  });

  it("recognizes images by their first bytes", () => {
    expect(sniffImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe("png");
    expect(sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe("jpeg");
    expect(sniffImage(new TextEncoder().encode("GIF89a"))).toBe("gif");
    expect(sniffImage(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8"))).toBe("webp");
    expect(sniffImage(new TextEncoder().encode("<svg xmlns="))).toBeNull();
    expect(sniffImage(new TextEncoder().encode("#!/bin/sh"))).toBeNull();
  });

  it("makes safe file names", () => {
    expect(safeName("screen%20shot.png")).toBe("screen_shot.png");
    expect(safeName("..%2F..%2Fetc%2Fpasswd")).toBe("passwd");
    expect(safeName(".hidden")).toBe("_hidden");
    expect(safeName("%E0%A4%A")).toBe("_E0_A4_A");
  });
});
