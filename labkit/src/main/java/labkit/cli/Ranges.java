package labkit.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters that check an option's range while parsing, so a bad value ends in picocli's one-line
 * "Invalid value for option '--images': ..." and exit code 2 instead of a stack trace or a silly table.
 */
final class Ranges {
    private Ranges() {}

    /** An integer of at least 1 (counts: images, rounds, runs, steps, batch sizes, repetitions, threads). */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int v = parseInt(value);
            if (v < 1) {
                throw new TypeConversionException("must be at least 1, got " + value.strip());
            }
            return v;
        }
    }

    /** An image side in pixels that a 5-level (stride 32) network takes: a multiple of 32, at least 32. */
    static final class ImageSide implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int v = parseInt(value);
            if (v < 32 || v % 32 != 0) {
                throw new TypeConversionException("must be a multiple of 32 and at least 32 (the network halves the"
                        + " image five times), got " + value.strip());
            }
            return v;
        }
    }

    /** An image side in pixels of at least 8 (the augmentations' smallest useful image). */
    static final class SmallImageSide implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int v = parseInt(value);
            if (v < 8) {
                throw new TypeConversionException("must be at least 8 pixels, got " + value.strip());
            }
            return v;
        }
    }

    /** A fraction in (0, 1] (e.g. the share of channels kept). */
    static final class Fraction implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double v;
            try {
                v = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a number");
            }
            if (!(v > 0 && v <= 1)) {
                throw new TypeConversionException("must be in (0, 1], got " + value.strip());
            }
            return v;
        }
    }

    private static int parseInt(String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }
}
