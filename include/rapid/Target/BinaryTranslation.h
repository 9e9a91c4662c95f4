//===- BinaryTranslation.h - model.bin <-> text translations ------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// rapid-translate --bin-to-asm (the disassembler of model.bin) and
// --asm-to-bin (its assembler): docs/model-bin.md.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TARGET_BINARYTRANSLATION_H
#define RAPID_TARGET_BINARYTRANSLATION_H

namespace rapid {
void registerBinaryTranslations();
} // namespace rapid

#endif // RAPID_TARGET_BINARYTRANSLATION_H
