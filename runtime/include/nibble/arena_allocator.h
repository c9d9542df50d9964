// ArenaAllocator: nibble::Allocator over a caller's buffer, for programs
// without a heap (bare metal, RTOS, safety code). Header-only, freestanding
// (no libc calls), not thread-safe: one arena per thread, or a lock around
// Model/Session creation and destruction.
//
//   alignas(64) static uint8_t arena_memory[48 * 1024];
//   nibble::ArenaAllocator arena(arena_memory, sizeof(arena_memory));
//   auto model = nibble::Model::from_buffer(image, image_size, arena.allocator());
//   nibble::SessionOptions options;
//   options.allocator = arena.allocator();
//   auto session = nibble::Session::create(model.value(), options);
//   // arena.peak(): the bytes this model + session need on this target
//
// A full arena makes allocate return nullptr, which nibble reports as
// kOutOfMemory (nothing crashes, nothing is half-built). Blocks are carved
// upwards; freeing the newest block gives its bytes back (nibble frees in
// reverse order, so its load-time scratch and a destroyed session are
// reused), and once every block is freed the arena is empty again.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nibble/nibble.hpp"

namespace nibble {

class ArenaAllocator {
 public:
  ArenaAllocator(void* buffer, size_t bytes)
      : base_(reinterpret_cast<uintptr_t>(buffer)), capacity_(buffer != nullptr ? bytes : 0) {}
  // allocator().context points at this object: it stays where it is.
  ArenaAllocator(const ArenaAllocator&) = delete;
  ArenaAllocator& operator=(const ArenaAllocator&) = delete;

  // Pass to Model::from_buffer and SessionOptions::allocator.
  const Allocator* allocator() const { return &allocator_; }

  size_t capacity() const { return capacity_; }
  size_t used() const { return top_; }          // bytes now taken (blocks, headers, padding)
  size_t peak() const { return peak_; }         // most ever taken: size the arena by this
  size_t live_blocks() const { return live_; }  // allocated and not yet freed
  size_t failed_requests() const { return failed_; }
  size_t largest_failed_request() const { return largest_failed_; }

  // Forgets every block. Only when nothing allocated from it is in use.
  void reset() {
    top_ = 0;
    last_ = 0;
    live_ = 0;
  }

 private:
  // Before each block: the arena's state before the block was taken, so
  // freeing the newest block can restore it.
  struct Header {
    size_t previous_top;
    uintptr_t previous_last;
  };

  static uintptr_t align_up(uintptr_t value, size_t alignment) {
    return (value + (alignment - 1)) & ~static_cast<uintptr_t>(alignment - 1);
  }

  static void* allocate(void* context, size_t bytes, size_t alignment) {
    ArenaAllocator& arena = *static_cast<ArenaAllocator*>(context);
    const bool power_of_two = alignment != 0 && (alignment & (alignment - 1)) == 0;
    if (alignment < alignof(Header)) alignment = alignof(Header);
    // Offsets from the buffer start; every step is checked against the
    // capacity before it could wrap.
    const uintptr_t start = arena.base_ + arena.top_;
    const size_t room = arena.capacity_ - arena.top_;
    const uintptr_t block = align_up(start + sizeof(Header), alignment);
    const size_t head = static_cast<size_t>(block - start);  // header + padding
    if (!power_of_two || block < start || head > room || bytes > room - head) {
      ++arena.failed_;
      if (bytes > arena.largest_failed_) arena.largest_failed_ = bytes;
      return nullptr;
    }
    Header* header = reinterpret_cast<Header*>(block) - 1;  // aligned: block is, sizeof(Header) too
    header->previous_top = arena.top_;
    header->previous_last = arena.last_;
    arena.top_ += head + bytes;
    arena.last_ = block;
    ++arena.live_;
    if (arena.top_ > arena.peak_) arena.peak_ = arena.top_;
    return reinterpret_cast<void*>(block);
  }

  static void deallocate(void* context, void* p) {
    ArenaAllocator& arena = *static_cast<ArenaAllocator*>(context);
    if (p == nullptr || arena.live_ == 0) return;
    --arena.live_;
    if (arena.live_ == 0) {
      arena.reset();  // everything is back, whatever the order was
    } else if (reinterpret_cast<uintptr_t>(p) == arena.last_) {
      const Header* header = static_cast<const Header*>(p) - 1;
      arena.top_ = header->previous_top;
      arena.last_ = header->previous_last;
    }
    // Any other block keeps its bytes until the arena empties.
  }

  uintptr_t base_;
  size_t capacity_;
  size_t top_ = 0;
  size_t peak_ = 0;
  uintptr_t last_ = 0;  // newest live block, 0 if none
  size_t live_ = 0;
  size_t failed_ = 0;
  size_t largest_failed_ = 0;
  const Allocator allocator_ = {&ArenaAllocator::allocate, &ArenaAllocator::deallocate, this};
};

}  // namespace nibble
