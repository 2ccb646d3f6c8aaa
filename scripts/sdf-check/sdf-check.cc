// Loads an SDFormat file with Debian's libsdformat12 (the real parser Gazebo uses, one major
// version behind Gazebo Harmonic's) and reports every error with its line: what Gazebo would say
// about the world before it ever runs. Prints the worlds, models, links, joints and sensors found.
// Build and run: scripts/sdf-check/check.sh FILE.sdf
#include <sdf/sdf.hh>

#include <iostream>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: sdf-check FILE.sdf\n";
    return 2;
  }
  sdf::Root root;
  const sdf::Errors errors = root.Load(argv[1]);
  for (const auto &e : errors) std::cerr << "error: " << e << "\n";
  for (uint64_t w = 0; w < root.WorldCount(); ++w) {
    const sdf::World *world = root.WorldByIndex(w);
    std::cout << "world " << world->Name() << ": " << world->ModelCount() << " models\n";
    for (uint64_t m = 0; m < world->ModelCount(); ++m) {
      const sdf::Model *model = world->ModelByIndex(m);
      uint64_t sensors = 0;
      for (uint64_t l = 0; l < model->LinkCount(); ++l) sensors += model->LinkByIndex(l)->SensorCount();
      std::cout << "  model " << model->Name() << ": " << model->LinkCount() << " links, " << model->JointCount() << " joints, "
                << sensors << " sensors\n";
    }
  }
  return errors.empty() ? 0 : 1;
}
