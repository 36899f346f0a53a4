package labkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of docs/ARCHITECTURE.md, checked on labkit's compiled main classes:
 * {@code tasks} → ({@code train}, {@code quant}, {@code compress}, {@code export}, {@code weights}, {@code models}) →
 * {@code nn} → DJL, with {@code data}, {@code augment}, {@code image}, {@code io}, {@code vision} and {@code plot}
 * underneath the networks; only the command line imports {@code tasks}, nothing imports {@code cli}, and no two
 * packages depend on each other.
 */
class ArchitectureTest {

    /** The model-side packages: everything that builds, trains, compresses, exports, loads or times networks. */
    private static final String[] MODEL_SIDE = {"labkit.nn..", "labkit.models..", "labkit.train..", "labkit.quant..",
            "labkit.compress..", "labkit.export..", "labkit.weights..", "labkit.bench.."};

    /** The data-side packages: pixels, datasets, files, pictures; they never know about networks. */
    private static final String[] DATA_SIDE = {"labkit.data..", "labkit.augment..", "labkit.image..", "labkit.io..",
            "labkit.boxes..", "labkit.vision..", "labkit.plot.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("labkit");
    }

    @Test
    void nnDependsOnlyOnDjlAndTheJdk() {
        ArchRule rule = noClasses().that().resideInAPackage("labkit.nn..")
                .should().dependOnClassesThat().resideInAnyPackage(concat(without(MODEL_SIDE, "labkit.nn.."),
                        DATA_SIDE, "labkit.tasks..", "labkit.cli..", "labkit.grade.."))
                .because("nn holds the reusable blocks every model is built from; it sits right above DJL");
        rule.check(classes);
    }

    @Test
    void dataSideNeverImportsModels() {
        ArchRule rule = noClasses().that().resideInAnyPackage(DATA_SIDE)
                .should().dependOnClassesThat().resideInAnyPackage(concat(MODEL_SIDE, "labkit.tasks..",
                        "labkit.cli..", "labkit.grade.."))
                .because("data, augmentation, images, files and plots are usable without any network");
        rule.check(classes);
    }

    @Test
    void modelSideNeverImportsDatasetsOrAugmentation() {
        ArchRule rule = noClasses().that().resideInAnyPackage(MODEL_SIDE)
                .should().dependOnClassesThat().resideInAnyPackage("labkit.data..", "labkit.augment..",
                        "labkit.tasks..", "labkit.cli..", "labkit.grade..")
                .because("tasks wire datasets to models; models, training and compression see only NDArrays and "
                        + "DJL Datasets (a random dataset is reseeded through labkit.Seedable)");
        rule.check(classes);
    }

    @Test
    void onlyTheCommandLineImportsTasks() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages("labkit.tasks..", "labkit.cli..")
                .should().dependOnClassesThat().resideInAPackage("labkit.tasks..")
                .because("tasks are the top: the course's vocabulary over every other package");
        rule.check(classes);
    }

    @Test
    void nothingImportsTheCommandLine() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("labkit.cli..")
                .should().dependOnClassesThat().resideInAPackage("labkit.cli..")
                .because("cli holds entry points only");
        rule.check(classes);
    }

    @Test
    void theKitRootImportsNoLabkitPackage() {
        ArchRule rule = noClasses().that().resideInAPackage("labkit")
                .should().dependOnClassesThat().resideInAPackage("labkit.(*)..")
                .because("labkit.Labkit and labkit.Seedable are used by every layer, so they may use none");
        rule.check(classes);
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("labkit.(*)..").should().beFreeOfCycles().check(classes);
    }

    private static String[] without(String[] all, String drop) {
        return Arrays.stream(all).filter(s -> !s.equals(drop)).toArray(String[]::new);
    }

    private static String[] concat(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof String[] a) {
                out.addAll(List.of(a));
            } else {
                out.add((String) p);
            }
        }
        return out.toArray(String[]::new);
    }
}
