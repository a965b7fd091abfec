import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;

/** Prints a java argfile that exports and opens every package of every system module to the builder's modules.
 *  The native-image driver (not on Maven Central) would pass the few it needs; without it, all of them. */
public class Exports {
    public static void main(String[] args) {
        String to = String.join(",", args);
        for (ModuleReference ref : ModuleFinder.ofSystem().findAll()) {
            var d = ref.descriptor();
            for (String p : d.packages()) {
                System.out.println("--add-exports=" + d.name() + "/" + p + "=" + to);
                System.out.println("--add-opens=" + d.name() + "/" + p + "=" + to);
            }
        }
    }
}
