// JPEG (libjpeg-turbo) and PNG (libpng's simplified API) decoding for calibration folders.
// Dimensions are checked before the pixel buffer is allocated; decoder errors become one
// line naming the file.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <png.h>

#include "pt2tf/calib/data.h"
#include "pt2tf/io/mapped_file.h"

namespace pt2tf::calib {
namespace {

constexpr int64_t kMaxPixels = int64_t{1} << 27;  // 134 Mpixel: far beyond any photo

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnJpegError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void OnJpegWarning(j_common_ptr, int) {}  // corrupt-data warnings: decode what is there

// Decodes with libjpeg. No C++ object with a destructor lives across the setjmp.
Status DecodeJpeg(const std::string& path, ByteSpan bytes, int channels, Image& img) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = OnJpegError;
  err.mgr.emit_message = OnJpegWarning;
  err.message[0] = '\0';
  uint8_t* pixels = nullptr;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return InvalidInput(path + ": bad JPEG: " + err.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  const int64_t w = cinfo.output_width, h = cinfo.output_height;
  if (w <= 0 || h <= 0 || w * h > kMaxPixels || cinfo.output_components != channels) {
    jpeg_destroy_decompress(&cinfo);
    return InvalidInput(path + ": JPEG of " + std::to_string(w) + "x" + std::to_string(h) +
                        " pixels is empty or too large");
  }
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.resize(static_cast<size_t>(w * h * channels));
  pixels = img.pixels.data();
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels + static_cast<size_t>(cinfo.output_scanline) * w * channels;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return OkStatus();
}

Status DecodePng(const std::string& path, ByteSpan bytes, int channels, Image& img) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
    return InvalidInput(path + ": bad PNG: " + png.message);
  const int64_t w = png.width, h = png.height;
  if (w <= 0 || h <= 0 || w * h > kMaxPixels) {
    png_image_free(&png);
    return InvalidInput(path + ": PNG of " + std::to_string(w) + "x" + std::to_string(h) +
                        " pixels is empty or too large");
  }
  png.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, img.pixels.data(), 0, nullptr)) {
    const std::string message = png.message;
    png_image_free(&png);
    return InvalidInput(path + ": bad PNG: " + message);
  }
  return OkStatus();
}

}  // namespace

Result<Image> DecodeImage(const std::string& path, int channels) {
  if (channels != 1 && channels != 3)
    return InvalidInput(path + ": images decode to 1 or 3 channels");
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  const ByteSpan b = file->bytes();
  Image img;
  static const unsigned char kPng[] = {0x89, 'P', 'N', 'G'};
  if (b.size() >= 3 && b[0] == std::byte{0xff} && b[1] == std::byte{0xd8} &&
      b[2] == std::byte{0xff}) {
    PT2TF_RETURN_IF_ERROR(DecodeJpeg(path, b, channels, img));
  } else if (b.size() >= 4 && std::memcmp(b.data(), kPng, 4) == 0) {
    PT2TF_RETURN_IF_ERROR(DecodePng(path, b, channels, img));
  } else {
    return InvalidInput(path + ": not a JPEG or PNG image");
  }
  return img;
}

}  // namespace pt2tf::calib
