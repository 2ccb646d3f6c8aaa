"""The jepa-mpc Gazebo harness: Gazebo Sim (Harmonic) with the tabletop world, a Franka FR3 from
franka_description driven by gz_ros2_control, the ros_gz bridge, and the planner node.

    ros2 launch jepa_mpc sim_gazebo.launch.py                      # headless, joint output
    ros2 launch jepa_mpc sim_gazebo.launch.py headless:=false      # with the Gazebo window
    ros2 launch jepa_mpc sim_gazebo.launch.py use_servo:=true      # twist output to MoveIt Servo

What runs (docs/gazebo.md has the packages, the workspace and the scenario):
- gz sim with sim/gazebo/worlds/tabletop.sdf (`-r`, plus `-s --headless-rendering` when headless);
- robot_state_publisher with franka_description's robot, fixed at the world origin, with this
  package's ros2_control block (sim/gazebo/urdf/gz_ros2_control.urdf, see
  sim/gazebo/franka_gz_description.py) and controllers (sim/gazebo/config/controllers.yaml);
- ros_gz_sim create (spawns the robot from /robot_description), then the controller spawners
  (joint_state_broadcaster, <robot_type>_arm_controller, <robot_type>_gripper_controller);
- ros_gz_bridge parameter_bridge with sim/gazebo/bridge.yaml (camera, camera_info, clock, cubes);
- the planner node on simulated time: pose from joint states (the project's Panda kinematics,
  which the FR3 shares), finger position commands, and either JointTrajectory output to the arm
  controller or, with use_servo:=true, TwistStamped to MoveIt Servo. Servo itself is NOT started:
  bring your MoveIt configuration and start servo_node so that it listens on servo_twist_topic
  and commands <robot_type>_arm_controller.

Everything that needs Gazebo or Franka packages is looked up when the launch runs (not when it
is parsed), so `ros2 launch jepa_mpc sim_gazebo.launch.py --show-args` works without them, and a
missing package stops the launch with the list of what to install.
"""
import importlib.util
import os
import shutil
import tempfile

from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
from launch import LaunchDescription
from launch.actions import (AppendEnvironmentVariable, DeclareLaunchArgument, IncludeLaunchDescription,
                            OpaqueFunction, RegisterEventHandler)
from launch.event_handlers import OnProcessExit
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

# Packages the harness needs at run time, with the apt package (Jazzy) that brings each.
REQUIRED_PACKAGES = {
    'ros_gz_sim': 'ros-jazzy-ros-gz',
    'ros_gz_bridge': 'ros-jazzy-ros-gz',
    'gz_ros2_control': 'ros-jazzy-gz-ros2-control',
    'franka_description': 'franka_description from source (docs/gazebo.md)',
    'controller_manager': 'ros-jazzy-ros2-control',
    'joint_trajectory_controller': 'ros-jazzy-ros2-controllers',
    'forward_command_controller': 'ros-jazzy-ros2-controllers',
    'joint_state_broadcaster': 'ros-jazzy-ros2-controllers',
    'robot_state_publisher': 'ros-jazzy-robot-state-publisher',
    'xacro': 'ros-jazzy-xacro',
}
# The controllers YAML names joints for this robot type; others get its prefix rewritten.
CONTROLLERS_ROBOT_TYPE = 'fr3'
SPAWNER_TIMEOUT_S = '60'


def _share():
    return get_package_share_directory('jepa_mpc')


def _missing_packages():
    missing = []
    for package, source in REQUIRED_PACKAGES.items():
        try:
            get_package_share_directory(package)
        except PackageNotFoundError:
            missing.append(f'{package} ({source})')
    if shutil.which('gz') is None:
        missing.append('the gz command (Gazebo Harmonic: gz-harmonic, or ros-jazzy-ros-gz)')
    return missing


def _load_description_module(gazebo_dir):
    """sim/gazebo/franka_gz_description.py, installed beside the world (not a Python package)."""
    path = os.path.join(gazebo_dir, 'franka_gz_description.py')
    spec = importlib.util.spec_from_file_location('franka_gz_description', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _controllers_file(path, robot_type):
    """The controllers YAML with joint/controller names for robot_type (a temp copy if not fr3)."""
    if robot_type == CONTROLLERS_ROBOT_TYPE:
        return path
    with open(path, encoding='utf-8') as f:
        text = f.read().replace(f'{CONTROLLERS_ROBOT_TYPE}_', f'{robot_type}_')
    out = tempfile.NamedTemporaryFile('w', suffix='_controllers.yaml', delete=False, encoding='utf-8')
    with out:
        out.write(text)
    return out.name


def _robot_description(gazebo_dir, robot_type, controllers):
    import xacro  # imported here: only a machine with the harness installed has it

    franka = get_package_share_directory('franka_description')
    xacro_file = os.path.join(franka, 'robots', robot_type, f'{robot_type}.urdf.xacro')
    # The plain robot with the Franka Hand; ros2_control and Gazebo blocks come from this package.
    urdf = xacro.process_file(xacro_file, mappings={
        'hand': 'true', 'ee_id': 'franka_hand', 'ros2_control': 'false', 'gazebo': 'false',
    }).toxml()
    with open(os.path.join(gazebo_dir, 'urdf', 'gz_ros2_control.urdf'), encoding='utf-8') as f:
        fragment = f.read()
    return _load_description_module(gazebo_dir).assemble(urdf, fragment, f'{robot_type}_', controllers)


def _setup(context):
    def value(name):
        return LaunchConfiguration(name).perform(context)

    missing = _missing_packages()
    if missing:
        raise RuntimeError('the Gazebo harness needs: ' + '; '.join(missing) + '. See docs/gazebo.md.')

    gazebo_dir = os.path.join(_share(), 'gazebo')
    robot_type = value('robot_type')
    headless = value('headless').lower() == 'true'
    use_servo = value('use_servo').lower() == 'true'
    controllers = _controllers_file(value('controllers_file'), robot_type)
    description = _robot_description(gazebo_dir, robot_type, controllers)
    arm_controller = f'{robot_type}_arm_controller'
    gripper_controller = f'{robot_type}_gripper_controller'

    gz_args = f"-r -v {value('gz_verbosity')} {value('world')}"
    if headless:
        gz_args = '-s --headless-rendering ' + gz_args
    gz_sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(os.path.join(get_package_share_directory('ros_gz_sim'), 'launch', 'gz_sim.launch.py')),
        launch_arguments={'gz_args': gz_args, 'on_exit_shutdown': 'true'}.items(),
    )
    robot_state_publisher = Node(
        package='robot_state_publisher', executable='robot_state_publisher', name='robot_state_publisher',
        output='screen', parameters=[{'robot_description': description, 'use_sim_time': True}],
    )
    spawn = Node(
        package='ros_gz_sim', executable='create', output='screen',
        arguments=['-topic', '/robot_description', '-name', robot_type],
    )
    spawners = Node(
        package='controller_manager', executable='spawner', output='screen',
        arguments=['joint_state_broadcaster', arm_controller, gripper_controller,
                   '--controller-manager', '/controller_manager', '--controller-manager-timeout', SPAWNER_TIMEOUT_S],
    )
    bridge = Node(
        package='ros_gz_bridge', executable='parameter_bridge', name='jepa_mpc_gz_bridge', output='screen',
        parameters=[{'config_file': value('bridge_config')}],
    )
    actions = [
        # franka_description's meshes are package:// URIs; Gazebo resolves them on this path.
        AppendEnvironmentVariable('GZ_SIM_RESOURCE_PATH', os.path.dirname(get_package_share_directory('franka_description'))),
        gz_sim, robot_state_publisher, bridge, spawn,
        # The controller manager lives inside Gazebo and exists only once the robot is spawned.
        RegisterEventHandler(OnProcessExit(target_action=spawn, on_exit=[spawners])),
    ]
    if value('start_planner').lower() == 'true':
        actions.append(Node(
            package='jepa_mpc', executable='planner_node', name='jepa_mpc_planner', output='screen',
            parameters=[
                value('params_file'),
                {
                    'model_dir': value('model_dir'),
                    'goal_dir': value('goal_dir'),
                    'output_mode': 'twist' if use_servo else 'joint',
                    # Servo halts on commands older than its incoming_command_timeout: keep it fed.
                    'twist_rate_hz': 50.0 if use_servo else 0.0,
                    # Gazebo publishes no tool pose: forward kinematics of /joint_states instead.
                    'pose_source': 'joints',
                    'joint_prefix': f'{robot_type}_',
                    'command_frame': f'{robot_type}_link0',
                    'gripper_mode': 'joint',
                    'use_sim_time': True,
                },
            ],
            remappings=[
                ('image', value('camera_topic')),
                ('wrist_image', value('wrist_camera_topic')),
                ('joint_states', '/joint_states'),
                ('joint_trajectory', f'/{arm_controller}/joint_trajectory'),
                ('gripper_command', f'/{gripper_controller}/commands'),
                ('delta_twist_cmds', value('servo_twist_topic')),
            ],
        ))
    return actions


def generate_launch_description():
    share = _share()
    gazebo_dir = os.path.join(share, 'gazebo')
    args = [
        DeclareLaunchArgument('headless', default_value='true',
                              description='true: gz server only with headless (EGL) rendering; false: with the GUI'),
        DeclareLaunchArgument('world', default_value=os.path.join(gazebo_dir, 'worlds', 'tabletop.sdf'),
                              description='SDF world (its camera must publish on the bridge\'s gz topic)'),
        DeclareLaunchArgument('robot_type', default_value='fr3',
                              description='franka_description robot (fr3; fer/fp3 untested): robots/<type>/<type>.urdf.xacro'),
        DeclareLaunchArgument('use_servo', default_value='false',
                              description='true: planner publishes TwistStamped for MoveIt Servo (start servo_node yourself)'),
        DeclareLaunchArgument('start_planner', default_value='true', description='false: the simulation only'),
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'planner.yaml'),
                              description='Planner parameters file'),
        DeclareLaunchArgument('model_dir', default_value=os.path.join(share, 'models', 'sim-jepa-ac'),
                              description='World-model folder (manifest.json + ONNX graphs)'),
        DeclareLaunchArgument('goal_dir', default_value=os.path.join(os.getcwd(), 'goals'),
                              description='Folder SetGoal file names are resolved in'),
        DeclareLaunchArgument('camera_topic', default_value='/camera/image_raw',
                              description='sensor_msgs/Image the planner watches (the bridge\'s camera topic)'),
        DeclareLaunchArgument('wrist_camera_topic', default_value='/wrist_camera/image_raw',
                              description='sensor_msgs/Image of a hand camera, read only by two-view models (the world has none yet)'),
        DeclareLaunchArgument('servo_twist_topic', default_value='/servo_node/delta_twist_cmds',
                              description='TwistStamped output when use_servo:=true'),
        DeclareLaunchArgument('bridge_config', default_value=os.path.join(gazebo_dir, 'bridge.yaml'),
                              description='ros_gz_bridge YAML'),
        DeclareLaunchArgument('controllers_file', default_value=os.path.join(gazebo_dir, 'config', 'controllers.yaml'),
                              description='gz_ros2_control controllers YAML (joint names for fr3)'),
        DeclareLaunchArgument('gz_verbosity', default_value='1', description='gz sim -v level (0-4)'),
    ]
    return LaunchDescription(args + [OpaqueFunction(function=_setup)])
